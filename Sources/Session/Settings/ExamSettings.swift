import Detect

/// Everything an instructor decides about one exam, as validated from the TOML settings file
/// (docs/exam-settings.md) and carried, signed, inside the exam file.
public struct ExamSettings: Codable, Sendable, Equatable {
    /// Letters, digits, '.', '_' and '-': the exam file is looked up as `ID.exam`.
    public var id: String
    public var title: String
    public var timeLimitSeconds: Double
    public var recording: Recording
    public var verification: Verification
    /// By event kind ("face.missing"); kinds not listed use the detector's defaults.
    public var behaviours: [String: DetectorConfig]
    public var allowedDisplays: Int
    /// Process names as in /proc/PID/comm.
    public var forbiddenPrograms: [String]
    /// By student id.
    public var accommodations: [String: Accommodation]
    /// Days a sealed bundle is kept before `proctor purge` deletes it.
    public var retentionDays: Int
    /// Where `proctor submit` delivers: an http(s) URL or a folder; nil means `--to` is needed.
    public var submission: String?
    /// Who can open the recording; the exam file's signer is always one of them.
    public var recipients: [RecipientKey]

    public struct Recording: Codable, Sendable, Equatable {
        public var camera: Video
        public var microphone: Audio
        public var screen: Video
    }

    public struct Video: Codable, Sendable, Equatable {
        public var enabled: Bool
        public var width: Int
        public var height: Int
        public var fps: Int
        public var bitrateKbps: Int

        public static let cameraDefault = Video(enabled: true, width: 640, height: 480, fps: 15, bitrateKbps: 500)
        /// Screens change slowly and are read, not watched: a low rate keeps text sharp cheaply.
        public static let screenDefault = Video(enabled: true, width: 1280, height: 720, fps: 2, bitrateKbps: 300)
    }

    public struct Audio: Codable, Sendable, Equatable {
        public var enabled: Bool
        /// One of Opus's rates: 8000, 12000, 16000, 24000, 48000.
        public var sampleRate: Int
        public var bitrateKbps: Int

        public static let microphoneDefault = Audio(enabled: true, sampleRate: 48000, bitrateKbps: 32)
    }

    public struct Verification: Codable, Sendable, Equatable {
        public var idPhoto: Bool
        public var facePhoto: Bool
        /// 0 means no room scan.
        public var roomScanSeconds: Double
        /// Shown before recording; the student must accept it. nil: no agreement step.
        public var agreementText: String?

        public static let `default` = Verification(idPhoto: false, facePhoto: true, roomScanSeconds: 0, agreementText: nil)
    }

    public struct Accommodation: Codable, Sendable, Equatable {
        /// Multiplies the time limit (1.5 = 50% extra time).
        public var extraTimeFactor: Double
        /// Event kinds never run nor scored for this student.
        public var exemptKinds: Set<String>
        /// No proctoring at all: nothing is recorded and no detector runs.
        public var fullyExempt: Bool

        public init(extraTimeFactor: Double = 1, exemptKinds: Set<String> = [], fullyExempt: Bool = false) {
            self.extraTimeFactor = extraTimeFactor
            self.exemptKinds = exemptKinds
            self.fullyExempt = fullyExempt
        }

        private enum CodingKeys: String, CodingKey { case extraTimeFactor, exemptKinds, fullyExempt }

        /// Sorted, so signing the same settings twice gives the same exam file bytes.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(extraTimeFactor, forKey: .extraTimeFactor)
            try container.encode(exemptKinds.sorted(), forKey: .exemptKinds)
            try container.encode(fullyExempt, forKey: .fullyExempt)
        }
    }

    /// The detectors' view of these settings for one student (nil: no student named).
    public func detectionSettings(for studentID: String?) -> DetectionSettings {
        let accommodation = studentID.flatMap { accommodations[$0] }
        var exempt = accommodation?.exemptKinds ?? []
        if accommodation?.fullyExempt == true { exempt.formUnion(Behaviour.catalog.map(\.kind)) }
        return DetectionSettings(behaviours: behaviours, exemptKinds: exempt,
                                 allowedDisplays: allowedDisplays, forbiddenPrograms: forbiddenPrograms)
    }

    /// The time limit in seconds including the student's extra time.
    public func timeLimit(for studentID: String?) -> Double {
        timeLimitSeconds * (studentID.flatMap { accommodations[$0] }?.extraTimeFactor ?? 1)
    }

    /// True when the student is excused from proctoring entirely.
    public func isFullyExempt(_ studentID: String?) -> Bool {
        studentID.flatMap { accommodations[$0] }?.fullyExempt ?? false
    }
}

/// One flaggable behaviour: the TOML table name, the timeline kind, and the sentence the
/// disclosure shows. The detectors' own reference is docs/detectors.md.
public struct Behaviour: Sendable, Equatable {
    public let setting: String
    public let kind: String
    /// Which recorded source it needs; nil for system checks that need none.
    public let source: Source?
    public let disclosure: String

    public enum Source: Sendable { case camera, microphone, screen }

    public static let catalog: [Behaviour] = [
        Behaviour(setting: "face_missing", kind: "face.missing", source: .camera, disclosure: "no face visible to the camera"),
        Behaviour(setting: "face_multiple", kind: "face.multiple", source: .camera, disclosure: "more than one face visible"),
        Behaviour(setting: "gaze_away", kind: "gaze.away", source: .camera, disclosure: "head turned away from the screen"),
        Behaviour(setting: "camera_blocked", kind: "camera.blocked", source: .camera, disclosure: "camera covered or the picture black"),
        Behaviour(setting: "camera_frozen", kind: "camera.frozen", source: .camera, disclosure: "the picture does not change (a frozen or virtual camera)"),
        Behaviour(setting: "camera_lost", kind: "camera.lost", source: .camera, disclosure: "the camera stops delivering pictures"),
        Behaviour(setting: "scene_change", kind: "scene.change", source: .camera, disclosure: "the camera is moved or the view changes"),
        Behaviour(setting: "light_insufficient", kind: "light.insufficient", source: .camera, disclosure: "too little light to see a face (never counted against you)"),
        Behaviour(setting: "audio_speech", kind: "audio.speech", source: .microphone, disclosure: "sustained speech"),
        Behaviour(setting: "audio_loud", kind: "audio.loud", source: .microphone, disclosure: "loud sound"),
        Behaviour(setting: "mic_silent", kind: "mic.silent", source: .microphone, disclosure: "the microphone is muted or records digital silence"),
        Behaviour(setting: "scan_speech", kind: "scan.speech", source: .microphone, disclosure: "speech during the room scan"),
        Behaviour(setting: "scan_faces", kind: "scan.faces", source: .camera, disclosure: "more than one face visible during the room scan"),
        Behaviour(setting: "display_extra", kind: "display.extra", source: nil, disclosure: "more displays connected than allowed"),
        Behaviour(setting: "program_forbidden", kind: "program.forbidden", source: nil, disclosure: "a forbidden program running"),
        Behaviour(setting: "vm_detected", kind: "vm.detected", source: nil, disclosure: "the exam running inside a virtual machine"),
        Behaviour(setting: "network_changed", kind: "network.changed", source: nil, disclosure: "network interfaces or addresses changing"),
        Behaviour(setting: "clock_jump", kind: "clock.jump", source: nil, disclosure: "the computer's clock being changed"),
    ]

    /// Accepts the table name ("face_missing") or the kind ("face.missing").
    public static func named(_ name: String) -> Behaviour? {
        catalog.first { $0.setting == name || $0.kind == name }
    }
}
