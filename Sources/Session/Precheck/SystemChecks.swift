import Detect
import Encode
import Foundation
import Exam
import Seal

/// The exam file named with --exam verifies (its errors decide exit 65/66).
struct ExamSignatureCheck: PrecheckCheck {
    let id = "exam.signature"
    let title = "Exam file"
    let mode = PrecheckMode.always

    func run(_ context: PrecheckContext) -> PrecheckResult {
        if let error = context.examError {
            return PrecheckResult(.fail, error.message, hint: "Download the exam file again from your course page, or ask your instructor")
        }
        guard let exam = context.exam else {
            return PrecheckResult(.skip, "no exam given", hint: "Run `proctor precheck --exam ID` to check against your exam's settings")
        }
        return PrecheckResult(.pass, "'\(exam.settings.title)' signed by \(exam.signer.name) (key \(exam.signer.fingerprint)), sha256 \(exam.sha256.hexString.prefix(16))")
    }
}

/// The C libraries proctor links load and answer with their versions.
struct LibrariesCheck: PrecheckCheck {
    let id = "libraries"
    let title = "Libraries"
    let mode = PrecheckMode.always

    func run(_ context: PrecheckContext) -> PrecheckResult {
        guard (try? Sodium.ensureInitialised()) != nil else {
            return PrecheckResult(.fail, "libsodium could not initialise", hint: "Reinstall proctor's dependencies (make setup)")
        }
        let ffmpeg = EncoderProbe.libraryVersions
        let parts = ["libsodium \(Sodium.versionString)", "libavcodec \(ffmpeg["libavcodec"] ?? "?")",
                     "libavformat \(ffmpeg["libavformat"] ?? "?")", "libavdevice \(ffmpeg["libavdevice"] ?? "?")",
                     "ALSA \(AudioDeviceProbe.libraryVersion)", "dlib \(DetectModule.dlibVersion)"]
        return PrecheckResult(.pass, parts.joined(separator: ", "))
    }
}

/// H.264 or VP9 for video and Opus for audio open in this FFmpeg build.
struct EncodersCheck: PrecheckCheck {
    let id = "encoders"
    let title = "Video and audio encoders"
    let mode = PrecheckMode.always

    func run(_ context: PrecheckContext) -> PrecheckResult {
        let labels: [EncoderProbe.Kind: String] = [.h264: "H.264", .vp9: "VP9", .opus: "Opus"]
        var found: [EncoderProbe.Kind: String] = [:]
        var problems: [String] = []
        for kind in EncoderProbe.Kind.allCases {
            do {
                found[kind] = try EncoderProbe.check(kind)
            } catch {
                problems.append(error.message)
            }
        }
        let summary = EncoderProbe.Kind.allCases.compactMap { kind in found[kind].map { "\(labels[kind]!) (\($0))" } }
        let hint = "Install FFmpeg's libraries with libx264, libvpx and libopus (Debian: make setup)"
        guard found[.h264] != nil || found[.vp9] != nil else {
            return PrecheckResult(.fail, "no H.264 or VP9 encoder: " + problems.joined(separator: "; "), hint: hint)
        }
        guard found[.opus] != nil else {
            return PrecheckResult(.fail, "no Opus encoder: " + problems.joined(separator: "; "), hint: hint)
        }
        if !problems.isEmpty { return PrecheckResult(.warn, (summary + problems).joined(separator: "; "), hint: hint) }
        return PrecheckResult(.pass, summary.joined(separator: ", "))
    }
}

/// Bundles are sealed with AES-256-GCM where the CPU has AES-NI, else XChaCha20-Poly1305
/// (as fast without special instructions and as strong): either is ready.
struct CipherCheck: PrecheckCheck {
    let id = "crypto.cipher"
    let title = "Encryption"
    let mode = PrecheckMode.always

    func run(_ context: PrecheckContext) -> PrecheckResult {
        let cipher: BundleCipher
        do {
            cipher = try BundleCipher.preferred(environment: context.environment)
        } catch {
            return PrecheckResult(.fail, error.message, hint: "Unset \(BundleCipher.environmentVariable)")
        }
        guard cipher == .aes256GCM else {
            return PrecheckResult(.warn, "recordings will be sealed with \(cipher)"
                                  + (BundleCipher.aes256GCM.isAvailable ? " (chosen by \(BundleCipher.environmentVariable))" : ": this CPU lacks AES-NI for AES-256-GCM"))
        }
        return PrecheckResult(.pass, "recordings will be sealed with AES-256-GCM (this CPU has AES-NI)")
    }
}

/// More displays connected than the exam allows.
struct DisplaysCheck: PrecheckCheck {
    let id = "displays"
    let title = "Connected displays"
    let mode = PrecheckMode.device
    var sysfs = URL(fileURLWithPath: "/sys/class/drm")

    func run(_ context: PrecheckContext) -> PrecheckResult {
        guard !context.recordsNothing else { return PrecheckResult(.skip, "you are exempt from proctoring") }
        let allowed = context.exam?.settings.allowedDisplays ?? 1
        guard let connected = DisplayProbe.connectedDisplays(sysfs: sysfs) else {
            return PrecheckResult(.skip, "cannot count displays on this machine (no \(sysfs.path) connectors)")
        }
        let names = connected.map { $0.split(separator: "-", maxSplits: 1).last.map(String.init) ?? $0 }
        if connected.count > allowed {
            return PrecheckResult(.fail, "\(connected.count) displays connected (\(names.joined(separator: ", "))); this exam allows \(allowed)",
                                  hint: "Disconnect the extra monitor\(connected.count - allowed == 1 ? "" : "s") before you begin")
        }
        return PrecheckResult(.pass, "\(connected.count) connected (\(names.joined(separator: ", "))); allowed \(allowed)")
    }
}

/// Programs the exam forbids, as process names in /proc/PID/comm.
struct ForbiddenProgramsCheck: PrecheckCheck {
    let id = "programs"
    let title = "Forbidden programs"
    let mode = PrecheckMode.always
    var proc = URL(fileURLWithPath: "/proc")

    func run(_ context: PrecheckContext) -> PrecheckResult {
        guard let exam = context.exam else { return PrecheckResult(.skip, "no verified exam to take the list from") }
        guard !context.recordsNothing else { return PrecheckResult(.skip, "you are exempt from proctoring") }
        let forbidden = Set(exam.settings.forbiddenPrograms)
        guard !forbidden.isEmpty else { return PrecheckResult(.pass, "this exam forbids no programs") }
        let running = Self.runningProgramNames(proc: proc).intersection(forbidden)
        guard running.isEmpty else {
            return PrecheckResult(.fail, "running now: \(running.sorted().joined(separator: ", "))",
                                  hint: "Quit \(running.sorted().joined(separator: ", ")) before you begin (it is flagged if it runs during the exam)")
        }
        return PrecheckResult(.pass, "none of \(exam.settings.forbiddenPrograms.joined(separator: ", ")) is running")
    }

    static func runningProgramNames(proc: URL) -> Set<String> {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: proc.path)) ?? []
        var names = Set<String>()
        for pid in entries where Int(pid) != nil {
            // A process may exit between listing and reading: skip it.
            if let comm = try? String(contentsOf: proc.appendingPathComponent(pid).appendingPathComponent("comm"), encoding: .utf8) {
                names.insert(comm.trimmingCharacters(in: .newlines))
            }
        }
        return names
    }
}

/// Enough free space where the recording is written for the whole time limit.
struct DiskSpaceCheck: PrecheckCheck {
    let id = "disk"
    let title = "Free disk space"
    let mode = PrecheckMode.always

    /// Container and sealing overhead, photos and timeline: measured bundles stay well under 20%.
    static let overhead = 1.2
    static let reserveBytes: Double = 50 * 1_000_000

    func run(_ context: PrecheckContext) -> PrecheckResult {
        // The session folder is created at `begin`; before that, its nearest existing parent
        // is on the same filesystem.
        var existing = context.outputDirectory.standardizedFileURL
        while !FileManager.default.fileExists(atPath: existing.path), existing.path != "/" { existing.deleteLastPathComponent() }
        var stats = statvfs()
        guard statvfs(existing.path, &stats) == 0 else {
            return PrecheckResult(.fail, "cannot read free space of \(existing.path): \(String(cString: strerror(errno)))",
                                  hint: "Set PROCTOR_DATA_DIR to a folder you can write to")
        }
        let free = Double(stats.f_bavail) * Double(stats.f_frsize)
        guard let exam = context.exam else {
            return PrecheckResult(.pass, "\(Self.format(free)) free in \(context.outputDirectory.path) (give --exam to check against its time limit)")
        }
        let needed = Self.bytesNeeded(exam.settings, student: context.student)
        let summary = "\(Self.format(free)) free in \(context.outputDirectory.path); the exam needs about \(Self.format(needed))"
        if free < needed {
            return PrecheckResult(.fail, summary, hint: "Free at least \(Self.format(needed - free)) (delete or move files), or record to another disk by setting PROCTOR_DATA_DIR")
        }
        if free < 2 * needed {
            return PrecheckResult(.warn, summary, hint: "Space is tight: other programs writing files could fill the disk during the exam")
        }
        return PrecheckResult(.pass, summary)
    }

    /// Every enabled stream at its configured bitrate for the student's whole time limit.
    static func bytesNeeded(_ settings: ExamSettings, student: String?) -> Double {
        guard !settings.isFullyExempt(student) else { return reserveBytes }
        let recording = settings.recording
        var kbps = 0
        if recording.camera.enabled { kbps += recording.camera.bitrateKbps }
        if recording.microphone.enabled { kbps += recording.microphone.bitrateKbps }
        if recording.screen.enabled { kbps += recording.screen.bitrateKbps }
        let seconds = settings.timeLimit(for: student) + settings.verification.roomScanSeconds
        return Double(kbps) * 1000 / 8 * seconds * overhead + reserveBytes
    }

    static func format(_ bytes: Double) -> String {
        bytes >= 1e9 ? String(format: "%.1f GB", bytes / 1e9) : String(format: "%.0f MB", (bytes / 1e6).rounded(.up))
    }
}
