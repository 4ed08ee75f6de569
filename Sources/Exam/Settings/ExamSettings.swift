import ProctorModel
import Seal


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
    /// `[server]`: the collection server that issues tickets and attests bundles; nil for an
    /// exam without one (every exam file signed before it existed decodes so, byte-identical).
    public var server: ServerSettings? = nil

    public struct Recording: Codable, Sendable, Equatable {
        public var camera: Video
        public var microphone: Audio
        public var screen: Video
        /// `[recording] allow_test_sources`: `begin` accepts `--camera test`, `file:` sources and
        /// the like for this exam (demos, CI). Each is still flagged `source.untrusted`.
        public var allowTestSources: Bool

        package init(camera: Video, microphone: Audio, screen: Video, allowTestSources: Bool = false) {
            self.camera = camera
            self.microphone = microphone
            self.screen = screen
            self.allowTestSources = allowTestSources
        }

        private enum CodingKeys: String, CodingKey { case camera, microphone, screen, allowTestSources }

        /// Exam files signed before `allowTestSources` existed decode as not allowing them.
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            camera = try container.decode(Video.self, forKey: .camera)
            microphone = try container.decode(Audio.self, forKey: .microphone)
            screen = try container.decode(Video.self, forKey: .screen)
            allowTestSources = try container.decodeIfPresent(Bool.self, forKey: .allowTestSources) ?? false
        }
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

        package init(enabled: Bool, width: Int, height: Int, fps: Int, bitrateKbps: Int) {
            self.enabled = enabled
            self.width = width
            self.height = height
            self.fps = fps
            self.bitrateKbps = bitrateKbps
        }
    }

    public struct Audio: Codable, Sendable, Equatable {
        public var enabled: Bool
        /// One of Opus's rates: 8000, 12000, 16000, 24000, 48000.
        public var sampleRate: Int
        public var bitrateKbps: Int

        public static let microphoneDefault = Audio(enabled: true, sampleRate: 48000, bitrateKbps: 32)

        package init(enabled: Bool, sampleRate: Int, bitrateKbps: Int) {
            self.enabled = enabled
            self.sampleRate = sampleRate
            self.bitrateKbps = bitrateKbps
        }
    }

    public struct Verification: Codable, Sendable, Equatable {
        public var idPhoto: Bool
        public var facePhoto: Bool
        /// 0 means no room scan.
        public var roomScanSeconds: Double
        /// Shown before recording; the student must accept it. nil: no agreement step.
        public var agreementText: String?

        public static let `default` = Verification(idPhoto: false, facePhoto: true, roomScanSeconds: 0, agreementText: nil)

        package init(idPhoto: Bool, facePhoto: Bool, roomScanSeconds: Double, agreementText: String? = nil) {
            self.idPhoto = idPhoto
            self.facePhoto = facePhoto
            self.roomScanSeconds = roomScanSeconds
            self.agreementText = agreementText
        }
    }

    public struct Accommodation: Codable, Sendable, Equatable {
        /// Multiplies the time limit (1.5 = 50% extra time).
        public var extraTimeFactor: Double
        /// Event kinds never run nor scored for this student.
        public var exemptKinds: Set<String>
        /// No proctoring at all: nothing is recorded and no detector runs.
        public var fullyExempt: Bool
        /// Sources the exam records that this student may leave out (`--camera none` is then
        /// accepted), e.g. a student who cannot use a camera.
        public var exemptSources: Set<SourceRole>

        public init(extraTimeFactor: Double = 1, exemptKinds: Set<String> = [], fullyExempt: Bool = false,
                    exemptSources: Set<SourceRole> = []) {
            self.extraTimeFactor = extraTimeFactor
            self.exemptKinds = exemptKinds
            self.fullyExempt = fullyExempt
            self.exemptSources = exemptSources
        }

        private enum CodingKeys: String, CodingKey { case extraTimeFactor, exemptKinds, fullyExempt, exemptSources }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            extraTimeFactor = try container.decode(Double.self, forKey: .extraTimeFactor)
            exemptKinds = try container.decode(Set<String>.self, forKey: .exemptKinds)
            fullyExempt = try container.decode(Bool.self, forKey: .fullyExempt)
            exemptSources = try container.decodeIfPresent(Set<SourceRole>.self, forKey: .exemptSources) ?? []
        }

        /// Sorted, so signing the same settings twice gives the same exam file bytes; the
        /// source exemption only when there is one, so older readers see what they know.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(extraTimeFactor, forKey: .extraTimeFactor)
            try container.encode(exemptKinds.sorted(), forKey: .exemptKinds)
            try container.encode(fullyExempt, forKey: .fullyExempt)
            if !exemptSources.isEmpty { try container.encode(exemptSources.map(\.rawValue).sorted(), forKey: .exemptSources) }
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

    /// Whether the exam records `source` and this student may not leave it out.
    public func requires(_ source: SourceRole, for studentID: String?) -> Bool {
        let enabled: Bool
        switch source {
        case .camera: enabled = recording.camera.enabled
        case .microphone: enabled = recording.microphone.enabled
        case .screen: enabled = recording.screen.enabled
        }
        guard enabled, !isFullyExempt(studentID) else { return false }
        return !(studentID.flatMap { accommodations[$0] }?.exemptSources.contains(source) ?? false)
    }

    /// True when the student is excused from proctoring entirely.
    public func isFullyExempt(_ studentID: String?) -> Bool {
        studentID.flatMap { accommodations[$0] }?.fullyExempt ?? false
    }
}

/// One flaggable behaviour as the settings file names it: the shared catalog of event kinds
/// (ProctorModel), under the name the settings and disclosure code have always used.
public typealias Behaviour = EventKind
