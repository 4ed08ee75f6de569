/// What a live view may ask of a running session besides answering its questions: to end and
/// seal it for submission, as `proctor submit` asks with SIGUSR1.
public final class SessionControl: Sendable {
    let stops = StopRequests()

    public init() {}

    /// Ends the recording as `proctor submit` does; the session seals it and returns `.submitted`.
    public func requestSubmit() { stops.post(.submit) }
}
