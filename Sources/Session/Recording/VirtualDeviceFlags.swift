import Encode
import Foundation
import ProctorModel

/// `camera.virtual` and `mic.virtual`: the timeline flags for capture devices that can play
/// prepared video or sound (VirtualDeviceClassifier). Judged once at recording start, before
/// the recorder opens the devices; the caller seals the events like any detector's.
public enum VirtualDeviceFlags {
    public static func events(camera: SourceSpec, microphone: SourceSpec, settings: DetectionSettings, at time: Double,
                              environment: [String: String] = ProcessInfo.processInfo.environment) -> [TimelineEvent] {
        var events: [TimelineEvent] = []
        if settings.config(for: "camera.virtual") != nil, let verdict = VirtualDeviceClassifier.inspect(camera: camera) {
            events.append(event("camera.virtual", "The camera is a virtual device: \(verdict.description).", verdict, at: time))
        }
        if settings.config(for: "mic.virtual") != nil, let verdict = VirtualDeviceClassifier.inspect(microphone: microphone, environment: environment) {
            events.append(event("mic.virtual", "The microphone is not a physical microphone: \(verdict.description).", verdict, at: time))
        }
        return events
    }

    static func event(_ kind: String, _ message: String, _ verdict: VirtualDeviceClassifier.Verdict, at time: Double) -> TimelineEvent {
        TimelineEvent(kind: kind, detector: EventKind.Writer.recording, severity: .flag, start: time, confidence: 1,
                      message: message, subject: "\(verdict.field)=\(verdict.value)")
    }
}
