import Foundation
import ProctorModel
import Seal

extension ExamSettings {
    /// Reads and validates a TOML settings file. Recipients given as paths are read relative
    /// to the file's folder.
    public static func load(settings url: URL) throws(ProctorError) -> ExamSettings {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw ProctorError(exists ? .badData : .missingInput,
                               exists ? "\(url.path) is not UTF-8 text" : "the settings file \(url.path) does not exist")
        }
        return try parse(toml: text, fileName: url.lastPathComponent, baseDirectory: url.deletingLastPathComponent())
    }

    /// Parses settings text; `fileName` prefixes every error (`settings.toml:14: key: ...`).
    public static func parse(toml text: String, fileName: String, baseDirectory: URL?) throws(ProctorError) -> ExamSettings {
        let document: TOMLTable
        do {
            document = try TOMLParser.parse(text)
        } catch {
            throw ProctorError(.badData, "\(fileName):\(error.line): \(error.message)")
        }
        return try SettingsSchema(file: fileName, baseDirectory: baseDirectory).read(TableReader(document, path: "", file: fileName))
    }
}

/// The mapping from TOML keys to `ExamSettings`, with every range documented in
/// docs/exam-settings.md. Keep the two in step.
struct SettingsSchema {
    let file: String
    let baseDirectory: URL?

    func read(_ root: TableReader) throws(ProctorError) -> ExamSettings {
        let exam = try root.require("exam", root.table)
        let id = try exam.require("id", exam.string)
        try checkIdentifier(id, exam, "id", what: "an exam id")
        let title = try exam.require("title", exam.string)
        // Up to a day: longer sessions are a misconfiguration, not an exam.
        let minutes = try exam.require("time_limit_minutes") { key throws(ProctorError) in try exam.number(key, in: 1...1440) }
        let retention = try exam.integer("retention_days", in: 1...3650) ?? 30
        let submission = try exam.string("submission")
        if let submission, submission.isEmpty { throw exam.error(line: exam.line(of: "submission"), key: "submission", "must not be empty (leave it out to require --to)") }
        let recipients = try readRecipients(exam)
        try exam.finish()

        var recording = ExamSettings.Recording(camera: .cameraDefault, microphone: .microphoneDefault, screen: .screenDefault)
        if let section = try root.table("recording") {
            if let camera = try section.table("camera") { recording.camera = try readVideo(camera, defaults: .cameraDefault) }
            if let screen = try section.table("screen") { recording.screen = try readVideo(screen, defaults: .screenDefault) }
            if let mic = try section.table("microphone") { recording.microphone = try readAudio(mic) }
            recording.allowTestSources = try section.bool("allow_test_sources") ?? false
            try section.finish()
        }

        var verification = ExamSettings.Verification.default
        if let section = try root.table("verification") {
            verification.idPhoto = try section.bool("id_photo") ?? verification.idPhoto
            verification.facePhoto = try section.bool("face_photo") ?? verification.facePhoto
            verification.roomScanSeconds = try section.number("room_scan_seconds", in: 0...600) ?? 0
            if let agreement = try section.string("agreement") {
                let trimmed = agreement.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !trimmed.isEmpty else { throw section.error(line: section.line(of: "agreement"), key: "agreement", "must not be empty (leave it out for no agreement step)") }
                verification.agreementText = trimmed
            }
            try section.finish()
        }
        if (verification.idPhoto || verification.facePhoto || verification.roomScanSeconds > 0), !recording.camera.enabled {
            throw root.error(line: root.line(of: "verification"), key: "verification",
                             "photos and the room scan need the camera, but recording.camera.enabled is false")
        }

        var allowedDisplays = 1
        var forbidden: [String] = []
        if let section = try root.table("environment") {
            allowedDisplays = try section.integer("allowed_displays", in: 1...16) ?? 1
            forbidden = try section.strings("forbidden_programs") { name, line throws(ProctorError) in
                // /proc/PID/comm holds at most 15 bytes: a longer name could never match.
                guard !name.isEmpty, !name.contains("/"), name.utf8.count <= 15 else {
                    throw section.error(line: line, key: "forbidden_programs",
                                        "'\(name)' cannot match: use the process name as in /proc/PID/comm (1-15 characters, no '/')")
                }
            } ?? []
            try section.finish()
        }

        let behaviours = try readBehaviours(root)
        let accommodations = try readAccommodations(root)
        let server = try readServer(root)
        try root.finish()
        return ExamSettings(id: id, title: title, timeLimitSeconds: minutes * 60, recording: recording,
                            verification: verification, behaviours: behaviours, allowedDisplays: allowedDisplays,
                            forbiddenPrograms: forbidden, accommodations: accommodations, retentionDays: retention,
                            submission: submission, recipients: recipients, server: server)
    }

    private func readVideo(_ table: TableReader, defaults: ExamSettings.Video) throws(ProctorError) -> ExamSettings.Video {
        var video = defaults
        video.enabled = try table.bool("enabled") ?? video.enabled
        // Even sizes: YUV 4:2:0 encoders need them.
        video.width = try table.integer("width", in: 160...3840) ?? video.width
        video.height = try table.integer("height", in: 120...2160) ?? video.height
        for (key, value) in [("width", video.width), ("height", video.height)] where value % 2 != 0 {
            throw table.error(line: table.line(of: key), key: key, "must be even (video encoders need even sizes), got \(value)")
        }
        video.fps = try table.integer("fps", in: 1...60) ?? video.fps
        video.bitrateKbps = try table.integer("bitrate_kbps", in: 50...20000) ?? video.bitrateKbps
        try table.finish()
        return video
    }

    private func readAudio(_ table: TableReader) throws(ProctorError) -> ExamSettings.Audio {
        var audio = ExamSettings.Audio.microphoneDefault
        audio.enabled = try table.bool("enabled") ?? audio.enabled
        if let rate = try table.integer("sample_rate", in: 8000...48000) {
            guard [8000, 12000, 16000, 24000, 48000].contains(rate) else {
                throw table.error(line: table.line(of: "sample_rate"), key: "sample_rate", "must be one of 8000, 12000, 16000, 24000, 48000 (Opus rates), got \(rate)")
            }
            audio.sampleRate = rate
        }
        // Opus's own bounds.
        audio.bitrateKbps = try table.integer("bitrate_kbps", in: 6...510) ?? audio.bitrateKbps
        try table.finish()
        return audio
    }

    private func readBehaviours(_ root: TableReader) throws(ProctorError) -> [String: DetectorConfig] {
        guard let detectors = try root.table("detectors") else { return [:] }
        var behaviours: [String: DetectorConfig] = [:]
        for name in detectors.keys {
            guard let behaviour = Behaviour.catalog.first(where: { $0.setting == name }) else {
                throw detectors.error(line: detectors.line(of: name), key: name,
                                      "unknown detector (known: \(Behaviour.catalog.map(\.setting).joined(separator: ", ")))")
            }
            let table = try detectors.require(name, detectors.table)
            var config = DetectorConfig()
            config.enabled = try table.bool("enabled") ?? true
            config.sensitivity = try table.number("sensitivity", in: 0...1) ?? 0.5
            config.minimumSeconds = try table.number("min_seconds", in: 0...3600)
            config.weight = try table.number("weight", in: 0...10) ?? 1
            try table.finish()
            behaviours[behaviour.kind] = config
        }
        try detectors.finish()
        return behaviours
    }

    private func readAccommodations(_ root: TableReader) throws(ProctorError) -> [String: ExamSettings.Accommodation] {
        var accommodations: [String: ExamSettings.Accommodation] = [:]
        for table in try root.tables("accommodation") {
            let student = try table.require("student", table.string)
            try checkIdentifier(student, table, "student", what: "a student id", extra: "@")
            guard accommodations[student] == nil else {
                throw table.error(line: table.line(of: "student"), key: "student", "'\(student)' has two [[accommodation]] entries; merge them")
            }
            var accommodation = ExamSettings.Accommodation()
            // More than triple time is outside what a timed exam session is for.
            accommodation.extraTimeFactor = try table.number("extra_time_factor", in: 1...4) ?? 1
            let exempt = try table.strings("exempt") { name, line throws(ProctorError) in
                guard Behaviour.named(name) != nil else {
                    throw table.error(line: line, key: "exempt", "'\(name)' is not a detector (known: \(Behaviour.catalog.map(\.setting).joined(separator: ", ")))")
                }
            } ?? []
            accommodation.exemptKinds = Set(exempt.compactMap { Behaviour.named($0)?.kind })
            accommodation.fullyExempt = try table.bool("fully_exempt") ?? false
            let sources = try table.strings("exempt_sources") { name, line throws(ProctorError) in
                guard SourceRole.named(name) != nil else {
                    throw table.error(line: line, key: "exempt_sources", "'\(name)' is not a source (known: camera, microphone, screen)")
                }
            } ?? []
            accommodation.exemptSources = Set(sources.compactMap(SourceRole.named))
            try table.finish()
            accommodations[student] = accommodation
        }
        return accommodations
    }

    /// Each entry is a `proctor-pub-v2 ...` (or v1) line or a path to a `.pub` file.
    private func readRecipients(_ exam: TableReader) throws(ProctorError) -> [RecipientKey] {
        var keys: [RecipientKey] = []
        _ = try exam.strings("recipients") { entry, line throws(ProctorError) in
            let key: RecipientKey
            do throws(ProctorError) {
                if RecipientKey.looksLikeLine(entry) {
                    key = try RecipientKey(line: entry)
                } else {
                    let url = entry.hasPrefix("/") ? URL(fileURLWithPath: entry)
                        : (baseDirectory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).appendingPathComponent(entry)
                    key = try RecipientKey(contentsOf: url)
                }
            } catch {
                throw ProctorError(error.code == .missingInput ? .missingInput : .badData, "\(file):\(line): exam.recipients: \(error.message)")
            }
            guard !keys.contains(where: { $0.signPublicKey == key.signPublicKey }) else {
                throw exam.error(line: line, key: "recipients", "'\(key.name)' is listed twice")
            }
            keys.append(key)
        }
        return keys
    }

    private func checkIdentifier(_ text: String, _ table: TableReader, _ key: String, what: String, extra: String = "") throws(ProctorError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-" + extra)
        guard !text.isEmpty, text.count <= 64, text.allSatisfy(allowed.contains), !text.hasPrefix(".") else {
            throw table.error(line: table.line(of: key), key: key,
                              "'\(text)' is not usable as \(what): use 1-64 letters, digits, '.', '_' or '-'\(extra.isEmpty ? "" : " or '\(extra)'")")
        }
    }
}
