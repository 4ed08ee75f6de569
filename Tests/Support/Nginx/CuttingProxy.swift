import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay on loopback between the uploader and nginx that counts every byte sent towards
/// the server and can drop the connection after exactly N of them, as a flaky home network
/// does. After a cut it can keep refusing (the network stays down) until `heal()`. It can also
/// go silent after N bytes without closing anything (a Wi-Fi drop: no RST, no FIN), or pace
/// the upload like a slow line; or drop everything at once (`dropAll`), whatever is in flight.
public final class CuttingProxy: @unchecked Sendable {
    public let port: UInt16
    private var upstream: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var upstreamBytes: Int64 = 0
    private var cutAt: Int64?
    private var refuseAfterCut = false
    private var refusing = false
    private var closed = false
    private var stallAt: Int64?
    private var bytesPerSecond: Double?
    /// The relayed connections, until both directions have ended and the sockets are closed.
    private var open: [ObjectIdentifier: SocketPair] = [:]
    private var refused = 0

    /// `upstreamPort` may be set later (`upstreamPort`), e.g. for an exam that must name the
    /// proxy's address before the server behind it has a port.
    public init(to upstreamPort: UInt16) throws {
        self.upstream = upstreamPort
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = LoopbackPort.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw NSError(domain: "CuttingProxy", code: Int(errno)) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit {
        close()
    }

    public func close() {
        let wasClosed = lock.withLock { () -> Bool in defer { closed = true }; return closed }
        if !wasClosed {
            shutdown(listener, Int32(SHUT_RDWR))
            Glibc.close(listener)
        }
    }

    public func url(_ path: String) -> URL { URL(string: "http://127.0.0.1:\(port)/\(path)")! }

    public var upstreamPort: UInt16 {
        get { lock.withLock { upstream } }
        set { lock.withLock { upstream = newValue } }
    }

    /// Bytes relayed towards the server so far (request lines, headers and bodies).
    public var bytesTowardsServer: Int64 { lock.withLock { upstreamBytes } }

    /// Connections turned away while refusing.
    public var refusedConnections: Int { lock.withLock { refused } }

    /// The network goes away now: every relayed connection is shut down in both directions,
    /// requests and answers half-sent included, and new ones are refused until `heal()`.
    public func dropAll() {
        lock.withLock {
            refusing = true
            // Under the lock: a pair leaves `open` before its sockets are closed, so no
            // descriptor here can have been closed and its number reused.
            for pair in open.values { pair.shutDown() }
        }
    }

    public func cut(afterTotal bytes: Int64, thenRefuse: Bool) {
        lock.withLock {
            cutAt = bytes
            refuseAfterCut = thenRefuse
        }
    }

    public func heal() { lock.withLock { refusing = false } }

    /// The connection carrying byte N stops relaying and stays open until the client gives up.
    public func stall(afterTotal bytes: Int64) { lock.withLock { stallAt = bytes } }

    public func pace(bytesPerSecond rate: Double) { lock.withLock { bytesPerSecond = rate } }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let (turnAway, upstreamPort) = lock.withLock { () -> (Bool, UInt16) in
                if refusing { refused += 1 }
                return (refusing, upstream)
            }
            if turnAway {
                Glibc.close(client)
                continue
            }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = LoopbackPort.loopback(port: upstreamPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                Glibc.close(client)
                Glibc.close(server)
                continue
            }
            let pair = SocketPair(client: client, server: server)
            lock.withLock { open[ObjectIdentifier(pair)] = pair }
            Thread.detachNewThread { [self] in pump(pair, towardsServer: true) }
            Thread.detachNewThread { [self] in pump(pair, towardsServer: false) }
        }
    }

    private func pump(_ pair: SocketPair, towardsServer: Bool) {
        let from = towardsServer ? pair.client : pair.server
        let to = towardsServer ? pair.server : pair.client
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let got = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
            if got <= 0 { break }
            var allowed = got
            var cutNow = false
            var stallNow = false
            var rate: Double?
            if towardsServer {
                lock.withLock {
                    if let limit = cutAt, upstreamBytes + Int64(got) >= limit {
                        allowed = Int(max(0, limit - upstreamBytes))
                        cutNow = true
                        cutAt = nil
                        refusing = refuseAfterCut
                    } else if let limit = stallAt, upstreamBytes + Int64(got) >= limit {
                        allowed = Int(max(0, limit - upstreamBytes))
                        stallNow = true
                        stallAt = nil
                    }
                    upstreamBytes += Int64(allowed)
                    rate = bytesPerSecond
                }
            }
            let sent = buffer.withUnsafeBytes { send(to, $0.baseAddress, allowed, Int32(MSG_NOSIGNAL)) }
            if stallNow { waitForHangUp(from) }
            if cutNow || stallNow || sent < allowed { break }
            if let rate { usleep(useconds_t(Double(allowed) / rate * 1_000_000)) }
        }
        if pair.finish() {
            lock.withLock {
                open[ObjectIdentifier(pair)] = nil
                pair.close()
            }
        }
    }

    /// Relays nothing more, only notices when the client closes its end (POLLRDHUP is reported
    /// even while unread bytes are still queued).
    private func waitForHangUp(_ socket: Int32) {
        // POLLRDHUP (0x2000) is Linux-only and hidden behind _GNU_SOURCE, so Swift does not see it.
        let readHangUp: Int16 = 0x2000
        var poller = pollfd(fd: socket, events: readHangUp, revents: 0)
        while lock.withLock({ !closed }) {
            if poll(&poller, 1, 50) > 0, poller.revents != 0 { return }
        }
    }
}

/// Both ends of one relayed connection. The first direction to end shuts both sockets down,
/// which wakes the other; the proxy closes the descriptors only when both directions are done
/// (and under its lock, after forgetting the pair), so no thread can touch a number the kernel
/// has already handed to a new connection.
private final class SocketPair: @unchecked Sendable {
    let client: Int32
    let server: Int32
    private let lock = NSLock()
    private var running = 2

    init(client: Int32, server: Int32) {
        self.client = client
        self.server = server
    }

    /// One direction ended; true for the second, whose caller closes the pair.
    func finish() -> Bool {
        let left = lock.withLock { () -> Int in running -= 1; return running }
        shutDown()
        return left == 0
    }

    func shutDown() {
        shutdown(client, Int32(SHUT_RDWR))
        shutdown(server, Int32(SHUT_RDWR))
    }

    func close() {
        Glibc.close(client)
        Glibc.close(server)
    }
}
