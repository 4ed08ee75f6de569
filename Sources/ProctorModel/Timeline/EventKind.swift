/// Every flaggable kind of timeline event, listed once: the settings table that configures it,
/// the writer that emits it, the source it needs, and the sentence the disclosure shows. The
/// exam settings, the detectors, the session and the reports all read this list, so a kind
/// cannot be known in one place and unknown (or differently attributed) in another.
public struct EventKind: Sendable, Equatable {
    /// The `[detectors.NAME]` table in the settings file.
    public let setting: String
    /// The dotted timeline kind.
    public let kind: String
    /// `TimelineEvent.detector` of the events of this kind.
    public let writer: String
    /// Which recorded source it needs; nil for system checks that need none.
    public let source: SourceRole?
    public let disclosure: String

    /// Writers that are not detectors: the session itself, the recorder's notices, and the
    /// machine checks.
    public enum Writer {
        public static let session = "session"
        public static let recording = "recording"
        public static let system = "system"
        public static let faces = "faces"
        public static let camera = "camera"
        public static let audio = "audio"
        public static let roomScan = "roomScan"
        public static let screen = "screen"
    }

    public static let catalog: [EventKind] = [
        EventKind("face_missing", "face.missing", Writer.faces, .camera, "no face visible to the camera"),
        EventKind("face_multiple", "face.multiple", Writer.faces, .camera, "more than one face visible"),
        EventKind("gaze_away", "gaze.away", Writer.faces, .camera, "head turned away from the screen"),
        EventKind("camera_blocked", "camera.blocked", Writer.camera, .camera, "camera covered or the picture black"),
        EventKind("camera_frozen", "camera.frozen", Writer.camera, .camera, "the picture does not change (a frozen or virtual camera)"),
        EventKind("camera_lost", "camera.lost", Writer.recording, .camera, "the camera stops delivering pictures"),
        EventKind("camera_virtual", "camera.virtual", Writer.recording, .camera, "the camera is a virtual or loopback device (it can play any video)"),
        EventKind("scene_change", "scene.change", Writer.camera, .camera, "the camera is moved or the view changes"),
        EventKind("light_insufficient", "light.insufficient", Writer.faces, .camera, "too little light to see a face (never counted against you)"),
        // Coverage, like light.insufficient: the recording could not see the desktop (x11grab
        // under Wayland records XWayland's black root window). Listed so the disclosure names
        // it and `[detectors.screen_blank] enabled = false` can turn the check off.
        EventKind("screen_blank", "screen.blank", Writer.screen, .screen, "the screen recording is black or does not change (never counted against you)"),
        EventKind("audio_speech", "audio.speech", Writer.audio, .microphone, "sustained speech"),
        EventKind("audio_loud", "audio.loud", Writer.audio, .microphone, "loud sound"),
        EventKind("mic_silent", "mic.silent", Writer.audio, .microphone, "the microphone is muted or records digital silence"),
        EventKind("mic_virtual", "mic.virtual", Writer.recording, .microphone, "the microphone is a loopback or monitor device (it can play any sound)"),
        EventKind("scan_speech", "scan.speech", Writer.roomScan, .microphone, "speech during the room scan"),
        EventKind("scan_faces", "scan.faces", Writer.roomScan, .camera, "more than one face visible during the room scan"),
        EventKind("display_extra", "display.extra", Writer.system, nil, "more displays connected than allowed"),
        EventKind("program_forbidden", "program.forbidden", Writer.system, nil, "a forbidden program running"),
        EventKind("vm_detected", "vm.detected", Writer.system, nil, "the exam running inside a virtual machine"),
        EventKind("network_changed", "network.changed", Writer.system, nil, "network interfaces or addresses changing"),
        EventKind("clock_jump", "clock.jump", Writer.system, nil, "the computer's clock being changed"),
        // Only a practice run or an exam with `allow_test_sources` records from these at all
        // (docs/exam-settings.md); even then the reviewer must see that no device was recorded.
        EventKind("source_untrusted", "source.untrusted", Writer.session, nil,
                  "a test picture or a media file recorded instead of a device"),
    ]

    /// The student was told something while it could still be fixed (no face and why, a second
    /// face, a silent microphone, a black screen recording, little disk left): info, never
    /// scored and not configurable, so it is not in `catalog` (the flaggable kinds the settings
    /// and the disclosure list). Written by the detector that saw it or by the session.
    public static let warningShown = EventKind("warning_shown", "warning.shown", Writer.session, nil,
                                               "a warning shown to you during the exam (never counted against you)")

    /// Kinds every session may write that are never flags, with the sentence a reader shows.
    public static let informational: [EventKind] = [warningShown]

    /// Accepts the table name ("face_missing") or the kind ("face.missing").
    public static func named(_ name: String) -> EventKind? {
        catalog.first { $0.setting == name || $0.kind == name }
    }

    private init(_ setting: String, _ kind: String, _ writer: String, _ source: SourceRole?, _ disclosure: String) {
        self.setting = setting
        self.kind = kind
        self.writer = writer
        self.source = source
        self.disclosure = disclosure
    }
}
