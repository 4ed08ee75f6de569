import Detect
import Encode
import Foundation
import Delivery
import Exam
import ProctorModel
import Seal

/// `proctor begin`: loads the exam, opens the devices (failing before anything is recorded),
/// shows the disclosure, takes the photos, then records into a sealed bundle until the time
/// limit, `--duration`, Ctrl-C or `proctor submit`, and seals the end. It talks to the student
/// only through `SessionEvent`s and `SessionQuestion`s, which its observer renders.
public final class ExamSession {
    let request: SessionRequest
    let exam: ExamFile
    let examURL: URL
    let settings: ExamSettings
    let observer: any SessionObserver
    let stops: StopRequests
    let warnings = LiveWarnings()

    private init(request: SessionRequest, exam: ExamFile, examURL: URL, observer: any SessionObserver) {
        self.request = request
        self.exam = exam
        self.examURL = examURL
        self.observer = observer
        settings = exam.settings
        stops = request.control?.stops ?? StopRequests()
    }

    @discardableResult
    public static func begin(_ request: SessionRequest, observer: any SessionObserver) async throws -> SessionOutcome {
        LibraryLogging.configure(verbose: request.verbose)
        guard !request.student.isEmpty else { throw ProctorError(.usage, "--student needs your student id") }
        if let duration = request.duration, !(duration > 0) { throw ProctorError(.usage, "--duration must be a positive number of seconds") }
        let examURL = try ExamLocator.resolve(request.exam, environment: request.environment)
        let exam = try ExamFile.load(examURL)
        return try await ExamSession(request: request, exam: exam, examURL: examURL, observer: observer).run()
    }

    private func run() async throws -> SessionOutcome {
        let directory = request.directory
        try directory.create()
        let previous = request.resume ? try resumable(in: directory) : nil
        if previous == nil { try refuseSecondSession(in: directory) }
        let offset = previous?.mediaTime ?? 0
        let exempt = settings.isFullyExempt(request.student)
        // Devices first: a missing camera or a busy microphone fails here, with nothing recorded.
        let sources = exempt ? RecordingSources(camera: .none, microphone: .none) : effectiveSources()
        let policy = try SourcePolicy.check(request.sources, settings: settings, student: request.student, practice: request.practice,
                                            environment: request.environment)
        if request.practice { observer.session(.notice("PRACTICE RUN: not an exam attempt; every report of it says so")) }
        // Probed before the recorder opens them: an open microphone reads as busy.
        let virtualDevices = exempt ? [] : VirtualDeviceFlags.events(camera: sources.camera, microphone: sources.microphone,
                                                                       settings: settings.detectionSettings(for: request.student), at: offset)
        let recorder = try makeRecorder(sources, startTime: offset)
        let agreement = previous == nil
            ? try PreExamSteps.disclose(settings, student: request.student, accept: request.accept, observer: observer) : nil
        // From here on a Ctrl-C is a request the loop answers, never the default kill: a kill
        // between creating the bundle and saving its state would leave a session that is neither
        // recording nor resumable. Before here (devices, disclosure) it simply cancels.
        let signals = stops.install()
        defer { signals.uninstall() }
        let writer: BundleWriter
        if let previous {
            writer = try BundleWriter.resume(at: previous.bundleURL)
        } else {
            var header = try BundleHeader(examId: settings.id, examFileSHA256: exam.sha256, studentId: request.student,
                                          sessionId: UUID().uuidString.lowercased(), startTime: Date(),
                                          recipients: settings.recipients.map(BundleRecipient.init))
            header.attemptTicket = try await attemptTicket()
            writer = try BundleWriter(creating: directory.newBundleURL(student: request.student, examId: settings.id, at: Date()), header: header)
        }
        // The writer goes into the SealedRecording, which serialises every use of it from here on.
        let bundleURL = writer.url, part = writer.partNumber
        let ticket = writer.header.attemptTicket
        let sealed = SealedRecording(writer: writer)
        var state = SessionState(bundlePath: bundleURL.path, pid: getpid(), phase: .recording, examId: settings.id,
                                 examFilePath: examURL.path, studentId: request.student, startedAt: previous?.startedAt ?? Date(),
                                 mediaTime: offset, timeLimit: settings.timeLimit(for: request.student), duration: request.duration)
        try state.save()
        var detectors: DetectorRunner?
        do {
            try sealed.append(metadata(part: part, offset: offset, sources: sources))
            for event in virtualDevices { try sealed.append(event) }
            observer.session(.notice("\(previous == nil ? "recording" : "resuming") into \(bundleURL.path)"))

            if previous == nil, let recorder {
                try PreExamSteps.photos(settings.verification, recorder: recorder, sealed: sealed, time: offset, observer: observer,
                                        preview: request.preview)
            }
            let detection = settings.detectionSettings(for: request.student)
            // The room scan turns the camera around the room on purpose: judging it would flag
            // missing faces and scene changes the exam asked for, so only the room-scan detector
            // (speech, a second face) watches it and the others start after it.
            let roomScanEnd = previous == nil && sources.camera != .none ? settings.verification.roomScanSeconds : 0
            // Detectors run on their own thread and seal each event as it is decided, after the
            // media gathered so far, so a crash keeps every event next to the media it refers to.
            // The screen detector only where a screen is recorded: `--screen auto` without a
            // display resolves to none, and its absence must not read as a capture without frames.
            detectors = recorder.map { recorder in
                DetectorRunner(settings: detection, options: .init(clock: { recorder.clock.now() }, quietUntil: roomScanEnd,
                                                                 screen: recorder.resolved[.screen] != nil,
                                                                 screenThroughPortal: recorder.resolved[.screen] == .portal)) { [observer, warnings] event in
                    // The student is told while the cause can still be fixed; the event records that they were.
                    for event in warnings.process(event) {
                        if event.kind == EventKind.warningShown.kind { observer.session(.warning(event.message)) }
                        sealed.record(event)
                    }
                }
            }
            let tap = PreviewTap(detectors: detectors, feed: request.preview, roomScanEnd: roomScanEnd) { [observer] reading in
                observer.live(.exposure(reading.line, ok: reading.pictureOK))
            }
            try recorder?.start(into: sealed, title: "\(settings.id) \(request.student)", tap: tap) { notice in
                sealed.record(SessionEvents.event(from: notice, detection: detection))
            }
            if previous != nil {
                try sealed.append(SessionEvents.info("session.resumed", at: offset, measured: ["part": Double(part)],
                                                     "The recording was interrupted and continues in part \(part)."))
            } else {
                try sealed.append(SessionEvents.info("session.start", at: 0, exempt ? "The student is exempt from proctoring; nothing is recorded." : "Recording started."))
                if let agreement { try sealed.append(PreExamSteps.agreementEvent(agreement, at: 0)) }
            }
            for event in policy.events(at: offset) { try sealed.append(event) }
        } catch {
            // Whatever was sealed so far stays valid: close the bundle before reporting.
            let active = ActiveRecording(recorder: recorder, detectors: detectors, sealed: sealed, clock: MediaClock(offset: offset))
            abandon(active, after: error, state: &state)
            throw error
        }
        let active = ActiveRecording(recorder: recorder, detectors: detectors, sealed: sealed,
                                     clock: recorder?.clock ?? MediaClock(offset: offset))
        let roomScan = settings.verification.roomScanSeconds
        if previous == nil, roomScan > 0, sources.camera != .none {
            try sealed.append(SessionEvents.info("session.roomScan", at: 0, end: roomScan, "Room scan: the student shows the room to the camera."))
            observer.session(.notice("room scan: turn your camera slowly around the room for \(Int(roomScan)) s"))
            observer.live(.step(.roomScan))
        } else {
            observer.live(.step(.recording))
        }

        // The time limit runs on the session clock after the room scan, across parts.
        let deadline = (sources.camera != .none ? roomScan : 0) + max(state.timeLimit, 0)
        let checkpoints = startCheckpoints(ticket: ticket, bundle: bundleURL, sealed: sealed)
        let reason = await recordUntilEnd(active, state: &state, deadline: deadline, durationEnd: request.duration.map { offset + $0 },
                                          roomScanEnd: previous == nil && sources.camera != .none ? roomScan : 0,
                                          checkpoints: checkpoints)
        await checkpoints?.stop()
        // The preview ends with the exam: nothing of it is kept.
        request.preview?.stop()
        observer.live(.step(.ended))
        return try end(active, reason: reason, state: &state, part: part)
    }

    /// Seals the end of a session that failed before recording started (a codec missing, a
    /// photo the camera could not take): the bundle is finished and valid, just short.
    private func abandon(_ active: ActiveRecording, after error: Error, state: inout SessionState) {
        guard (try? active.finish(at: .sealedMedia, message: { _ in "The session stopped: \(error)" })) != nil else { return }
        state.phase = .finished
        try? state.save()
    }

    private func effectiveSources() -> RecordingSources {
        let recording = settings.recording
        return RecordingSources(camera: recording.camera.enabled ? request.sources.camera : .none,
                                microphone: recording.microphone.enabled ? request.sources.microphone : .none,
                                screen: recording.screen.enabled ? request.sources.screen : .none)
    }

    private func makeRecorder(_ sources: RecordingSources, startTime: Double) throws -> Recorder? {
        guard sources.camera != .none || sources.microphone != .none || sources.screen != .none else { return nil }
        var recording = RecordingSettings()
        let exam = settings.recording
        recording.camera = .init(width: exam.camera.width, height: exam.camera.height, framesPerSecond: exam.camera.fps,
                                 bitsPerSecond: exam.camera.bitrateKbps * 1000)
        recording.screen = .init(width: exam.screen.width, height: exam.screen.height, framesPerSecond: exam.screen.fps,
                                 bitsPerSecond: exam.screen.bitrateKbps * 1000)
        recording.audioSampleRate = exam.microphone.sampleRate
        recording.audioBitsPerSecond = exam.microphone.bitrateKbps * 1000
        recording.analysis = DetectorRunner.analysisRequest(for: settings.detectionSettings(for: request.student))
        recording.screenAnalysis = DetectorRunner.screenAnalysisRequest
        // The ScreenCast portal's restore token, per exam: a resumed part or a retry within the
        // exam does not ask the student to share the screen again.
        let safeId = String(settings.id.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" ? $0 : "-" })
        recording.screenCastToken = ScreenCastToken(path: request.directory.url.appendingPathComponent(".screencast-\(safeId).token").path)
        return try Recorder(sources: sources, settings: recording, startTime: startTime)
    }

    private func metadata(part: UInt32, offset: Double, sources: RecordingSources) -> SessionMetadata {
        let recording = settings.recording
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        return SessionMetadata(
            software: "proctor \(SessionMetadata.softwareVersion)", examId: settings.id, examTitle: settings.title,
            studentId: request.student, part: part, mediaOffset: offset, startedAt: Date(),
            sources: ["camera": sources.camera.description, "mic": sources.microphone.description, "screen": sources.screen.description],
            camera: sources.camera == .none ? nil : "h264 \(recording.camera.width)x\(recording.camera.height)@\(recording.camera.fps) \(recording.camera.bitrateKbps) kbit/s",
            screen: sources.screen == .none ? nil : "h264 \(recording.screen.width)x\(recording.screen.height)@\(recording.screen.fps) \(recording.screen.bitrateKbps) kbit/s",
            microphone: sources.microphone == .none ? nil : "opus mono \(recording.microphone.sampleRate) Hz \(recording.microphone.bitrateKbps) kbit/s",
            timeLimitSeconds: settings.timeLimit(for: request.student),
            hostname: String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
            practice: request.practice ? true : nil)
    }

    /// One exam, one student, one session at a time: a second `begin` while one records, or
    /// while an interrupted one waits, would leave two bundles and make `submit` ambiguous.
    private func refuseSecondSession(in directory: SessionDirectory) throws(ProctorError) {
        let open = directory.sessions().filter { $0.examId == settings.id && $0.studentId == request.student && $0.phase == .recording }
        if let running = open.first(where: \.processIsRunning) {
            throw ProctorError(.usage, "this exam is already recording (process \(running.pid)); end it with `proctor submit` first")
        }
        if let interrupted = open.first {
            throw ProctorError(.usage, "an interrupted session of this exam exists (\(interrupted.bundleURL.lastPathComponent)): "
                               + "continue it with `proctor begin --resume`, or seal it with `proctor submit`")
        }
    }

    /// The interrupted session of this exam and student, if its process is gone.
    private func resumable(in directory: SessionDirectory) throws(ProctorError) -> SessionState {
        let candidates = directory.sessions().filter { $0.examId == settings.id && $0.studentId == request.student && $0.phase == .recording }
        if let running = candidates.first(where: \.processIsRunning) {
            throw ProctorError(.usage, "this session is still recording (process \(running.pid)); end it with `proctor submit` first")
        }
        guard let state = candidates.first else {
            throw ProctorError(.missingInput, "no interrupted session of exam \(settings.id) for \(request.student) in \(directory.url.path) to resume")
        }
        return state
    }
}

extension SessionMetadata {
    public static let softwareVersion = ProctorVersion.string
}
