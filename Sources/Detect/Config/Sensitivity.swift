import Foundation
import ProctorModel

extension DetectorConfig {
    /// A limit that flags when a measure rises above it (a yaw angle, a change score):
    /// sensitivity 0.5 keeps `base`, 1 halves it, 0 doubles it. One rule for every detector,
    /// so "sensitivity" means the same thing everywhere.
    func limit(_ base: Double) -> Double {
        base * pow(2, 1 - 2 * sensitivity)
    }

    /// A level in decibels that flags when exceeded: ±10 dB around `base` across the range.
    func decibels(_ base: Double) -> Double {
        base + (0.5 - sensitivity) * 20
    }

    func minimum(_ defaultSeconds: Double) -> Double {
        max(0, minimumSeconds ?? defaultSeconds)
    }
}
