import Detect
import Encode
import Foundation
import Synchronization
import ProctorModel
import Seal

/// `--headless`: the whole recording path on built-in sources, as `begin` runs it. Two
/// seconds of lavfi test video and tone are encoded (H.264 + Opus into Matroska) with the
/// detectors attached, sealed into a bundle for a throwaway key, then the bundle is verified
/// and reopened and the media decoded back, and its durations are compared with the time
/// recorded. A broken encoder, cipher, bundle writer or reader fails here, before an exam.
struct RecordingSelfTest: PrecheckCheck {
    let id = "selftest.recording"
    let title = "Self-test: record, seal, reopen"
    let mode = PrecheckMode.headless
    var seconds = 2.0
    /// Muxer and encoder delays make a stream end up to a few frames away from the clock.
    static let tolerance = 0.5

    func run(_ context: PrecheckContext) -> PrecheckResult {
        do {
            return try record(environment: context.environment)
        } catch let error as ProctorError {
            return PrecheckResult(.fail, "self-test failed: \(error.message)", hint: Self.hint)
        } catch {
            return PrecheckResult(.fail, "self-test failed: \(error)", hint: Self.hint)
        }
    }

    static let hint = "Run with --verbose for the library detail, and reinstall proctor's dependencies (make setup)"

    private func record(environment: [String: String]) throws -> PrecheckResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-selftest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }

        let identity = try InstructorIdentity.generate(name: "selftest")
        let cipher = try BundleCipher.preferred(environment: environment)
        let header = BundleHeader(examId: "selftest", examFileSHA256: SHA256.hash([]), studentId: "selftest",
                                  sessionId: UUID().uuidString.lowercased(), startTime: Date(),
                                  recipients: [BundleRecipient(identity.recipientKey)], cipher: cipher)
        let url = directory.appendingPathComponent("selftest.proctor")
        let sealed = SealedRecording(writer: try BundleWriter(creating: url, header: header))

        // Small and short: this proves the path works, `make bench` measures its speed.
        var settings = RecordingSettings()
        settings.camera = .init(width: 320, height: 240, framesPerSecond: 15, bitsPerSecond: 300_000)
        settings.analysis = DetectorRunner.analysisRequest(for: DetectionSettings())
        let recorder = try Recorder(sources: RecordingSources(camera: .test, microphone: .test), settings: settings)
        let events = EventCount()
        let detectors = DetectorRunner(settings: DetectionSettings(), options: .init(clock: { recorder.clock.now() })) { _ in events.add() }
        try recorder.start(into: sealed, title: "proctor self-test", tap: detectors)
        Thread.sleep(forTimeInterval: seconds)
        let status = try recorder.finish()
        let end = max(recorder.clock.now(), sealed.mediaEnd)
        for event in detectors.finish(at: end) {
            events.add()
            try sealed.append(event)
        }
        try sealed.finish(mediaDuration: end)

        let key = try BundleKey(secretKey: identity.boxSecretKey, publicKey: identity.boxPublicKey)
        let verification = BundleReader.verify(contentsOf: url, key: key)
        if let failure = verification.failure { throw failure.sessionError }
        guard verification.status == .intact else {
            throw ProctorError(.verification, "the sealed bundle did not verify as complete: \(verification.warnings.joined(separator: "; "))")
        }
        let reader = try BundleReader(contentsOf: url, key: key)
        var matroska: [UInt8] = []
        var records = 0
        while let record = try reader.next() {
            records += 1
            if record.type == .media, let payload = record.payload { matroska += try RecordingRecords.decodeMedia(payload).matroska }
        }
        let media = try RecordingReader(MemoryByteSource(matroska))
        let ends = try media.keyframeIndex().streamEnds
        guard let video = media.videoStream, let audio = media.streams.first(where: { $0.kind == .audio }),
              let videoEnd = ends[video.index], let audioEnd = ends[audio.index] else {
            throw ProctorError(.badData, "the reopened recording lacks a video or an audio stream")
        }
        for (name, duration) in [("video", videoEnd), ("audio", audioEnd)] where abs(duration - end) > Self.tolerance {
            throw ProctorError(.badData, String(format: "the reopened %@ lasts %.2f s, but %.2f s were recorded", name, duration, end))
        }
        return PrecheckResult(.pass, String(format: "%.1f s of test video (%@ %dx%d, %d frames) and audio (%@) sealed with %@ into %d records, "
                                            + "verified, reopened and decoded: video %.2f s, audio %.2f s; detectors wrote %d events",
                                            end, video.codec, video.width, video.height, status.cameraFrames, audio.codec,
                                            cipher.description, records, videoEnd, audioEnd, events.value))
    }
}

/// Counts timeline events from the detector thread.
private final class EventCount: Sendable {
    private let count = Atomic(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
