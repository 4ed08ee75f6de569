import ArgumentParser
import Encode

/// Options every subcommand accepts.
struct GlobalOptions: ParsableArguments {
    @Flag(name: [.short, .long], help: "Print library-level detail on errors and progress.")
    var verbose = false
}

/// `--json` for commands whose output is data.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print machine-readable JSON instead of text.")
    var json = false
}

/// What to record from: shared by `precheck` and `begin`, so both read them the same way.
struct SourceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Camera: auto, none, test, v4l2:/dev/videoN or file:PATH.", valueName: "source"),
            transform: { try SourceSpec(parsing: $0, for: .camera) })
    var camera: SourceSpec = .auto

    @Option(help: ArgumentHelp("Microphone: auto, none, test, alsa:PCM or file:PATH.", valueName: "source"),
            transform: { try SourceSpec(parsing: $0, for: .microphone) })
    var mic: SourceSpec = .auto

    @Option(help: ArgumentHelp("Screen: auto, none, test or x11:DISPLAY.", valueName: "source"),
            transform: { try SourceSpec(parsing: $0, for: .screen) })
    var screen: SourceSpec = .auto
}

/// `--exam` (an exam id or a path) and `--student`, shared by `precheck`, `begin` and `exam show`.
struct ExamOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Exam ID (found as ID.exam in $PROCTOR_EXAM_DIR, this folder or ~/.local/share/proctor/exams) or the path of an exam file.",
                               valueName: "id-or-file"))
    var exam: String?

    @Option(help: ArgumentHelp("Your student ID, as your instructor gave it (applies your accommodations).", valueName: "id"))
    var student: String?
}
