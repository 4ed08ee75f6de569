import Foundation
#if canImport(Glibc)
import Glibc
import Report
#endif

/// Records what the kernel reports about names in one folder (inotify), so a test can prove
/// which names were ever created or written, not just what is there at the end.
final class FolderWatch {
    struct Event: Equatable {
        let name: String
        let mask: UInt32
    }

    private let descriptor: Int32

    init(_ folder: URL) throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK))
        let mask = UInt32(IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM)
        guard descriptor >= 0, inotify_add_watch(descriptor, folder.path, mask) >= 0 else {
            throw NSError(domain: "FolderWatch", code: Int(errno))
        }
    }

    deinit {
        close(descriptor)
    }

    /// Everything queued so far.
    func events() -> [Event] {
        var events: [Event] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got <= 0 { return events }
            var offset = 0
            while offset + 16 <= got {
                // struct inotify_event: wd, mask, cookie, len (4 bytes each), then len bytes of name.
                let mask = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self) }
                let length = Int(buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self) })
                let nameBytes = buffer[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 }
                events.append(Event(name: String(decoding: nameBytes, as: UTF8.self), mask: mask))
                offset += 16 + length
            }
        }
    }
}
