import Detect
import Encode
import Foundation

/// `proctor begin`: loads the exam, opens the devices (failing before anything is recorded),
/// shows the disclosure, takes the photos, then records into a sealed bundle until the time
/// limit, `--duration`, Ctrl-C or `proctor submit`, and seals the end.
public final class ExamSession {
    let request: SessionRequest
    let exam: ExamFile
    let examURL: URL
    let settings: ExamSettings
    let console: Console
    let stops = StopRequests()

    private init(request: SessionRequest, exam: ExamFile, examURL: URL) {
        self.request = request
        self.exam = exam
        self.examURL = examURL
        settings = exam.settings
        console = Console(json: request.json)
    }

    @discardableResult
    public static func begin(_ request: SessionRequest) async throws -> SessionOutcome {
        LibraryLogging.configure(verbose: request.verbose)
        guard !request.student.isEmpty else { throw SessionError(.usage, "--student needs your student id") }
        if let duration = request.duration, !(duration > 0) { throw SessionError(.usage, "--duration must be a positive number of seconds") }
        let examURL = try ExamLocator.resolve(request.exam, environment: request.environment)
        let exam = try ExamFile.load(examURL)
        return try await ExamSession(request: request, exam: exam, examURL: examURL).run()
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
        let recorder = try makeRecorder(sources, startTime: offset)
        if previous == nil {
            try PreExamSteps.disclose(settings, student: request.student, accept: request.accept, console: console)
        }
        // From here on a Ctrl-C is a request the loop answers, never the default kill: a kill
        // between creating the bundle and saving its state would leave a session that is neither
        // recording nor resumable. Before here (devices, disclosure) it simply cancels.
        stops.install()
        defer { stops.uninstall() }
        let writer: BundleWriter
        if let previous {
            writer = try BundleWriter.resume(at: previous.bundleURL)
        } else {
            let header = try BundleHeader(examId: settings.id, examFileSHA256: exam.sha256, studentId: request.student,
                                          sessionId: UUID().uuidString.lowercased(), startTime: Date(),
                                          recipients: settings.recipients.map(BundleRecipient.init))
            writer = try BundleWriter(creating: directory.newBundleURL(student: request.student, examId: settings.id, at: Date()), header: header)
        }
        let sealed = SealedRecording(writer: writer)
        var state = SessionState(bundlePath: writer.url.path, pid: getpid(), phase: .recording, examId: settings.id,
                                 examFilePath: examURL.path, studentId: request.student, startedAt: previous?.startedAt ?? Date(),
                                 mediaTime: offset, timeLimit: settings.timeLimit(for: request.student), duration: request.duration)
        try state.save()
        let detectors: DetectorRunner?
        do {
            try sealed.append(metadata(part: writer.partNumber, offset: offset, sources: sources))
            console.log("\(previous == nil ? "recording" : "resuming") into \(writer.url.path)")

            if previous == nil, let recorder { try PreExamSteps.photos(settings.verification, recorder: recorder, sealed: sealed, time: offset, console: console) }
            let detection = settings.detectionSettings(for: request.student)
            // The room scan turns the camera around the room on purpose: judging it would flag
            // missing faces and scene changes the exam asked for, so only the room-scan detector
            // (speech, a second face) watches it and the others start after it.
            let roomScanEnd = previous == nil && sources.camera != .none ? settings.verification.roomScanSeconds : 0
            // Detectors run on their own thread and seal each event as it is decided, after the
            // media gathered so far, so a crash keeps every event next to the media it refers to.
            detectors = recorder.map { recorder in
                DetectorRunner(settings: detection, options: .init(clock: { recorder.clock.now() }, quietUntil: roomScanEnd)) { [console] event in
                    // The student is told while the cause can still be fixed; the event records that they were.
                    if event.kind == "warning.shown" { console.log(event.message) }
                    try? sealed.flushMedia()
                    try? sealed.append(event)
                }
            }
            try recorder?.start(into: sealed, title: "\(settings.id) \(request.student)", tap: detectors) { notice in
                try? sealed.flushMedia()
                try? sealed.append(SessionEvents.event(from: notice, detection: detection))
            }
            if previous != nil {
                try sealed.append(SessionEvents.info("session.resumed", at: offset, measured: ["part": Double(writer.partNumber)],
                                                     "The recording was interrupted and continues in part \(writer.partNumber)."))
            } else {
                try sealed.append(SessionEvents.info("session.start", at: 0, exempt ? "The student is exempt from proctoring; nothing is recorded." : "Recording started."))
            }
        } catch {
            // Whatever was sealed so far stays valid: close the bundle before reporting.
            abandon(after: error, recorder: recorder, sealed: sealed, state: &state)
            throw error
        }
        let clock = recorder?.clock ?? MediaClock(offset: offset)
        let roomScan = settings.verification.roomScanSeconds
        if previous == nil, roomScan > 0, sources.camera != .none {
            try sealed.append(SessionEvents.info("session.roomScan", at: 0, end: roomScan, "Room scan: the student shows the room to the camera."))
            console.log("room scan: turn your camera slowly around the room for \(Int(roomScan)) s")
        }

        // The time limit runs on the session clock after the room scan, across parts.
        let deadline = (sources.camera != .none ? roomScan : 0) + max(state.timeLimit, 0)
        let reason = await recordUntilEnd(recorder: recorder, sealed: sealed, clock: clock, state: &state,
                                          deadline: deadline, durationEnd: request.duration.map { offset + $0 })
        return try end(reason: reason, recorder: recorder, detectors: detectors, sealed: sealed, clock: clock, state: &state,
                       part: writer.partNumber)
    }

    /// Seals the end of a session that failed before recording started (a codec missing, a
    /// photo the camera could not take): the bundle is finished and valid, just short.
    private func abandon(after error: Error, recorder: Recorder?, sealed: SealedRecording, state: inout SessionState) {
        _ = try? recorder?.finish()
        try? sealed.append(SessionEvents.info("session.end", at: sealed.mediaEnd, "The session stopped: \(error)"))
        guard (try? sealed.finish(mediaDuration: sealed.mediaEnd)) != nil else { return }
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
            hostname: String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// One exam, one student, one session at a time: a second `begin` while one records, or
    /// while an interrupted one waits, would leave two bundles and make `submit` ambiguous.
    private func refuseSecondSession(in directory: SessionDirectory) throws(SessionError) {
        let open = directory.sessions().filter { $0.examId == settings.id && $0.studentId == request.student && $0.phase == .recording }
        if let running = open.first(where: \.processIsRunning) {
            throw SessionError(.usage, "this exam is already recording (process \(running.pid)); end it with `proctor submit` first")
        }
        if let interrupted = open.first {
            throw SessionError(.usage, "an interrupted session of this exam exists (\(interrupted.bundleURL.lastPathComponent)): "
                               + "continue it with `proctor begin --resume`, or seal it with `proctor submit`")
        }
    }

    /// The interrupted session of this exam and student, if its process is gone.
    private func resumable(in directory: SessionDirectory) throws(SessionError) -> SessionState {
        let candidates = directory.sessions().filter { $0.examId == settings.id && $0.studentId == request.student && $0.phase == .recording }
        if let running = candidates.first(where: \.processIsRunning) {
            throw SessionError(.usage, "this session is still recording (process \(running.pid)); end it with `proctor submit` first")
        }
        guard let state = candidates.first else {
            throw SessionError(.missingInput, "no interrupted session of exam \(settings.id) for \(request.student) in \(directory.url.path) to resume")
        }
        return state
    }
}

extension SessionMetadata {
    public static let softwareVersion = "0.1.0"
}
