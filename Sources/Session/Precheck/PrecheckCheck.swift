import Encode
import Foundation
import Delivery
import Exam
import ProctorModel

/// One readiness check `proctor precheck` runs. A new check is one new type and one line in
/// `PrecheckRegistry`.
public protocol PrecheckCheck: Sendable {
    /// Stable, for `--json` consumers: "encoders", "camera", "exam.signature".
    var id: String { get }
    /// Shown to the student: "Camera", "Free disk space".
    var title: String { get }
    /// Device checks are skipped by `--headless`; self-tests run only there.
    var mode: PrecheckMode { get }
    func run(_ context: PrecheckContext) -> PrecheckResult
}

public enum PrecheckMode: Sendable {
    /// Runs in both modes (libraries, encoders, exam signature, disk).
    case always
    /// Needs real devices; `--headless` skips it.
    case device
    /// A self-test that `--headless` runs instead of the device checks.
    case headless
}

public struct PrecheckResult: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// Ready.
        case pass
        /// Works, but something may go wrong; does not block the exam.
        case warn
        /// Not ready: the exam cannot be taken like this.
        case fail
        /// Does not apply here (no exam given, source set to none).
        case skip
    }

    public var status: Status
    /// What was found, in one line.
    public var message: String
    /// What to do about it, in one line; nil when there is nothing to do.
    public var hint: String?

    public init(_ status: Status, _ message: String, hint: String? = nil) {
        self.status = status
        self.message = message
        self.hint = hint
    }
}

/// What the student asked for, shared by every check.
public struct PrecheckContext: Sendable {
    public var camera: SourceSpec
    public var microphone: SourceSpec
    public var screen: SourceSpec
    public var headless: Bool
    /// The verified exam, when `--exam` named one that verified.
    public var exam: ExamFile?
    /// Why the named exam did not load (it is reported by the exam check, exit 65 or 66).
    public var examError: ProctorError?
    public var student: String?
    /// The session folder recordings are written to (free disk is measured there).
    public var outputDirectory: URL
    public var environment: [String: String]

    public init(camera: SourceSpec = .auto, microphone: SourceSpec = .auto, screen: SourceSpec = .auto,
                headless: Bool = false, exam: ExamFile? = nil, examError: ProctorError? = nil,
                student: String? = nil, outputDirectory: URL = SessionDirectory().url,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.camera = camera
        self.microphone = microphone
        self.screen = screen
        self.headless = headless
        self.exam = exam
        self.examError = examError
        self.student = student
        self.outputDirectory = outputDirectory
        self.environment = environment
    }

    /// The recording settings in force: the exam's, or the documented defaults without one.
    var recording: ExamSettings.Recording {
        exam?.settings.recording ?? .init(camera: .cameraDefault, microphone: .microphoneDefault, screen: .screenDefault)
    }

    /// A fully exempt student records nothing, so device checks do not apply.
    var recordsNothing: Bool { exam?.settings.isFullyExempt(student) ?? false }
}
