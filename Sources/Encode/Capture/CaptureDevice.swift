/// One capture device, driven by its own `CaptureThread`. `next` blocks until the device
/// has something; that is why it never runs on the cooperative pool.
import ProctorModel

protocol CaptureDevice: AnyObject {
    /// What it records: names its notices ("camera.lost") and its track.
    var role: SourceRole { get }
    /// Whether a failure is worth retrying: a camera can be plugged back in, a file cannot grow.
    var retries: Bool { get }
    var isOpen: Bool { get }
    func open() throws(ProctorError)
    /// The next picture or block of samples, stamped on `clock`; nil at the end of the input.
    func next(clock: MediaClock) throws(ProctorError) -> Captured?
    func close()
    /// Forget the mapping from source time to media time (after reads outside a recording).
    func resetPacing()
}

/// Maps a source's own timestamps onto the session clock for inputs that are not live (lavfi,
/// files): the first frame lands at the media time it was read, later ones at the same
/// distance as in the source, and the thread sleeps until then, like `ffmpeg -re`.
struct Pacer {
    private var first: (source: Double, media: Double)?

    mutating func time(forSource seconds: Double, clock: MediaClock) -> Double {
        let anchor = first ?? (seconds, clock.now())
        first = anchor
        let time = anchor.media + (seconds - anchor.source)
        clock.sleep(until: time)
        return time
    }

    mutating func reset() { first = nil }
}
