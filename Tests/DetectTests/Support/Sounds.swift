import Foundation
import ProctorModel

/// Mono 16-bit audio clips built from the fixture voices, with known intervals.
struct SoundClip {
    let sampleRate: Int
    private(set) var samples: [Int16] = []
    private var noise = SeededNoise(state: 3)

    init(sampleRate: Int) { self.sampleRate = sampleRate }

    var duration: Double { Double(samples.count) / Double(sampleRate) }

    /// Quiet room noise: a live microphone's hiss of about ±`level` LSB (-64 dBFS at 20).
    mutating func room(_ seconds: Double, level: Int = 20) {
        for _ in 0..<Int(seconds * Double(sampleRate)) { samples.append(Int16(Int.random(in: -level...level, using: &noise))) }
    }

    /// Digital silence: a muted or unplugged microphone.
    mutating func muted(_ seconds: Double) {
        samples += [Int16](repeating: 0, count: Int(seconds * Double(sampleRate)))
    }

    mutating func tone(_ seconds: Double, frequency: Double, amplitude: Double) {
        let count = Int(seconds * Double(sampleRate))
        for i in 0..<count {
            samples.append(Int16(amplitude * 32767 * sin(2 * .pi * frequency * Double(i) / Double(sampleRate))))
        }
    }

    /// Adds a voice recording (16 kHz fixture), resampled to the clip's rate, over room noise.
    /// Returns the start time it was placed at.
    @discardableResult
    mutating func voice(_ recording: [Int16]) -> Double {
        let start = duration
        let ratio = 16000 / Double(sampleRate)
        let count = Int(Double(recording.count) / ratio)
        for i in 0..<count {
            let position = Double(i) * ratio
            let index = Int(position), fraction = position - Double(index)
            let a = Double(recording[index]), b = Double(recording[min(index + 1, recording.count - 1)])
            samples.append(Int16(clamping: Int(a + (b - a) * fraction) + Int.random(in: -20...20, using: &noise)))
        }
        return start
    }

    /// 20 ms blocks with media times, as the capture pipeline hands them over.
    func blocks(milliseconds: Int = 20) -> [AudioBlock] {
        let size = sampleRate * milliseconds / 1000
        return stride(from: 0, to: samples.count, by: size).map { offset in
            AudioBlock(sampleRate: sampleRate, samples: Array(samples[offset..<min(offset + size, samples.count)]),
                       time: Double(offset) / Double(sampleRate))
        }
    }

    /// The samples of a 16-bit mono WAV fixture.
    static func wav(_ name: String) throws -> [Int16] {
        let bytes = try [UInt8](Data(contentsOf: Fixtures.root.appendingPathComponent("audio/\(name)")))
        // Walk the RIFF chunks to "data"; the fixtures are PCM s16le mono.
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16 | Int(bytes[offset + 7]) << 24
            if id == "data" {
                let end = min(bytes.count, offset + 8 + size)
                return stride(from: offset + 8, to: end - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
            }
            offset += 8 + size + (size & 1)
        }
        throw CocoaError(.fileReadCorruptFile)
    }
}
