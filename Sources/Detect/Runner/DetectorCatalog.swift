/// The one place detectors are listed. A new detector is one type plus one line here.
import ProctorModel

public enum DetectorCatalog {
    /// Media detectors enabled for these settings, plus a coverage event for any that could
    /// not start (a missing model never stops a recording).
    /// `roomScanUntil`: the room scan's end, watched by `RoomScanDetector` alone.
    /// `screen`: a screen is recorded, so `ScreenDetector` watches it (`screenThroughPortal`:
    /// through the ScreenCast portal, which changes its advice to the student).
    static func detectors(for settings: DetectionSettings, roomScanUntil: Double = 0, screen: Bool = false,
                          screenThroughPortal: Bool = false) -> (detectors: [any Detector], unavailable: [TimelineEvent]) {
        let makers: [(String, (DetectionSettings) throws -> (any Detector)?)] = [
            (ScreenDetector.id, { screen ? ScreenDetector(settings: $0, throughPortal: screenThroughPortal) : nil }),
            (FaceDetector.id, { try faces($0) }),
            (CameraDetector.id, { CameraDetector(settings: $0) }),
            (AudioDetector.id, { AudioDetector(settings: $0) }),
            (RoomScanDetector.id, { try RoomScanDetector(settings: $0, scanEnd: roomScanUntil) }),
        ]
        var detectors: [any Detector] = []
        var unavailable: [TimelineEvent] = []
        for (id, make) in makers {
            do {
                if let detector = try make(settings) { detectors.append(detector) }
                if let faces = detectors.last as? FaceDetector, id == FaceDetector.id { unavailable.append(faces.engine.event) }
            } catch let partly as PartlyAvailable {
                detectors.append(partly.detector)
                if let faces = partly.detector as? FaceDetector { unavailable.append(faces.engine.event) }
                unavailable.append(TimelineEvent(kind: "detector.unavailable", detector: id, severity: .coverage, start: 0,
                                                 message: "Head pose (gaze.away) is not evaluated: \(partly.reason.message).", subject: "gaze.away"))
            } catch {
                unavailable.append(TimelineEvent(kind: "detector.unavailable", detector: id, severity: .coverage, start: 0,
                                                 message: "The \(id) detector could not start: \(error)."))
            }
        }
        return (detectors, unavailable)
    }

    /// Without dlib's landmark model only `gaze.away` is lost: the face counts still run.
    private static func faces(_ settings: DetectionSettings) throws -> (any Detector)? {
        let failure: ProctorError
        do {
            return try FaceDetector(settings: settings)
        } catch {
            failure = error
        }
        guard failure.code == .missingModel, settings.config(for: "gaze.away") != nil else { throw failure }
        var withoutGaze = settings
        withoutGaze.exemptKinds.insert("gaze.away")
        guard let detector = try FaceDetector(settings: withoutGaze) else { throw failure }
        throw PartlyAvailable(detector: detector, reason: failure)
    }

    /// A detector that runs with one of its kinds missing.
    struct PartlyAvailable: Error {
        let detector: any Detector
        let reason: ProctorError
    }

    /// System checks enabled for these settings.
    static func systemChecks(for settings: DetectionSettings, roots: SystemRoots) -> [any SystemCheck] {
        let checks: [(any SystemCheck)?] = [
            DisplayCheck(settings: settings, roots: roots),
            ProgramCheck(settings: settings, roots: roots),
            VirtualMachineCheck(settings: settings, roots: roots),
            NetworkCheck(settings: settings, roots: roots),
            ClockCheck(settings: settings),
        ]
        return checks.compactMap { $0 }
    }

    /// Every flaggable event kind, with the writer that emits it (from `EventKind.catalog`).
    public static let kinds: [String: String] = Dictionary(uniqueKeysWithValues: EventKind.catalog.map { ($0.kind, $0.writer) })

    /// The screen pictures the screen detector needs (`AnalysisImage.source == .screen`).
    static let screenAnalysis = ScreenDetector.analysis

    /// The highest frame rate any camera detector samples at; the runner queues no more.
    static let imageRate = max(FaceDetector.Defaults.samplesPerSecond, CameraDetector.Defaults.samplesPerSecond)

    /// What the capture feed must offer for these settings: the face detector's box when faces
    /// are looked for (the camera checks judge any size), otherwise a small picture for the
    /// camera checks alone; at the highest rate a detector samples at.
    static func analysisRequest(for settings: DetectionSettings) -> AnalysisRequest {
        let faces = ["face.missing", "face.multiple", "gaze.away"].contains { settings.config(for: $0) != nil }
        var request = faces ? FaceDetector.analysis : CameraDetector.analysis
        request.framesPerSecond = imageRate
        return request
    }
}
