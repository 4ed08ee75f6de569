/// What a capture source is for. The raw value is the name the timeline, the recording's
/// stream titles and the session metadata use ("mic", not "microphone", for history's sake).
public enum SourceRole: String, Sendable, Hashable, CaseIterable, Codable {
    case camera
    case microphone = "mic"
    case screen

    /// The word a person reads: "camera", "microphone", "screen".
    public var noun: String { self == .microphone ? "microphone" : rawValue }
    /// The `proctor begin` / `precheck` option that chooses it.
    public var option: String { "--\(rawValue)" }
    public var isVideo: Bool { self != .microphone }

    /// The settings files' and a person's name ("camera", "microphone" or "mic", "screen").
    public static func named(_ name: String) -> SourceRole? {
        name == "microphone" ? .microphone : SourceRole(rawValue: name)
    }
    /// The settings key that makes the exam record it.
    public var setting: String { "recording.\(noun).enabled" }
}
