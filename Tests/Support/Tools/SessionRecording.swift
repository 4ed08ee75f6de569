import Foundation

/// A Matroska file shaped like a session recording (`begin` writes camera H.264, screen H.264
/// and Opus, titled by role, without cues), made by the ffmpeg CLI so the code under test does
/// not make its own input: 20 s, camera 320x240 at 10 fps and screen 640x360 at 2 fps, each
/// with a keyframe every 2 s, a 440 Hz tone. The first picture is at `firstFrame` s.
public enum SessionRecording {
    public static let firstFrame = 0.007

    public static let twentySeconds: [UInt8] = make(camera: "testsrc", screen: "testsrc2", tone: 440, offset: 0)

    /// The part a `begin --resume` after a crash records: the same shape, on the session clock
    /// from `resumedStart` s (its timestamps start there, as a resumed recorder's do), with
    /// other pictures (camera testsrc2, screen testsrc) and an 880 Hz tone.
    public static let resumedPart: [UInt8] = make(camera: "testsrc2", screen: "testsrc", tone: 880, offset: resumedStart)
    public static let resumedStart = 30.0

    private static func make(camera: String, screen: String, tone: Int, offset: Double) -> [UInt8] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-session-like-\(UUID().uuidString).mkv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try? CommandOutput.run("bash", ["-c", """
            ffmpeg -nostdin -loglevel error -f lavfi -i \(camera)=size=320x240:rate=10:duration=20 \
              -f lavfi -i \(screen)=size=640x360:rate=2:duration=20 -f lavfi -i sine=frequency=\(tone):sample_rate=48000:duration=20 \
              -map 0:v -map 1:v -map 2:a -c:v libx264 -preset ultrafast -bf 0 -sc_threshold 0 -pix_fmt yuv420p \
              -g:v:0 20 -g:v:1 4 -c:a libopus -b:a 32k \
              -metadata:s:v:0 title=camera -metadata:s:v:1 title=screen -metadata:s:a:0 title=microphone \
              -output_ts_offset \(offset) -live 1 -f matroska pipe:1 > \(path)
            """])
        return (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
    }
}
