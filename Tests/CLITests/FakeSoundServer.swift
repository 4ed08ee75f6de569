import Foundation

/// Stands in for another program holding the sound card, the one boundary that cannot run
/// here (no sound hardware): an ALSA `shm` server socket that answers every open request with
/// -EBUSY. libasound's own `shm` client reads that answer, so `snd_pcm_open` really returns
/// EBUSY, exactly as it does for a card in use.
final class FakeSoundServer: @unchecked Sendable {
    let socketPath: String
    private let listener: Int32
    private var thread: Thread?

    init(directory: URL) throws {
        let path = directory.appendingPathComponent("busy-sound.sock").path
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        socketPath = path
        self.listener = listener
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { sunPath in
            let bytes = Array(path.utf8.prefix(sunPath.count - 1))
            sunPath.copyBytes(from: bytes)
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 4) == 0 else { throw CocoaError(.fileWriteUnknown) }
        let thread = Thread {
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                var request = [UInt8](repeating: 0, count: 512)
                _ = read(client, &request, request.count)
                // snd_client_open_answer_t { long result; int cookie; } on x86_64: 16 bytes.
                var answer = [UInt8](repeating: 0, count: 16)
                withUnsafeBytes(of: Int64(-EBUSY).littleEndian) { answer.replaceSubrange(0..<8, with: $0) }
                _ = write(client, answer, answer.count)
                close(client)
            }
        }
        self.thread = thread
        thread.start()
    }

    /// An asoundrc defining PCM `name` served by this socket.
    func asoundrc(pcm name: String) -> String {
        """
        pcm.\(name) {
            type shm
            server proctor_busy
            pcm "hw:0,0"
        }
        server.proctor_busy {
            socket "\(socketPath)"
            host "localhost"
        }
        """
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
