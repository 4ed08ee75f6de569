import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real nginx (Debian's package) serving WebDAV PUT on a random loopback port, with its own
/// temporary prefix and `daemon off`, so each test gets a private server it stops at the end.
///
/// Locations: `/dav/` takes PUT/MKCOL/DELETE/MOVE, `/forbidden/` refuses writes with 403
/// (`limit_except`), `/small/` takes bodies up to 1 MiB and answers 413 beyond
/// (`client_max_body_size`), `/moved/NAME` answers 307 to `http://localhost:PORT/dav/NAME` (the
/// same server under another origin), `/discard/` answers 201 to PUT and MKCOL but stores nothing
/// (HEAD and GET then find nothing: 404), and `/blind/` answers 201 to PUT and 403 to anything
/// else (a presigned PUT-only URL that cannot be read back).
public final class NginxServer {
    public let prefix: URL
    public let root: URL
    public let port: UInt16
    /// Serves https with a fresh self-signed certificate (which clients rightly refuse).
    public let tls: Bool
    /// Set by `init(balancing:)`: the loopback ports requests are spread over, round robin.
    public let upstreams: [Int]
    private var process: Process?

    public init(tls: Bool = false) throws {
        self.tls = tls
        upstreams = []
        prefix = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-nginx-\(UUID().uuidString)")
        root = prefix.appendingPathComponent("root")
        for folder in ["logs", "tmp", "root/dav", "root/forbidden", "root/small"] {
            try FileManager.default.createDirectory(at: prefix.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        port = try LoopbackPort.free()
        if tls { try makeCertificate() }
        try configuration.write(to: prefix.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    /// A load balancer instead of a WebDAV server: every request goes to the next of `ports` in
    /// turn (a new upstream connection each time, so the turn is per request), and the access
    /// log's lines end with the upstream that answered (`upstreamLog()`).
    public init(balancing ports: [Int]) throws {
        tls = false
        upstreams = ports
        prefix = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-nginx-\(UUID().uuidString)")
        root = prefix.appendingPathComponent("root")
        for folder in ["logs", "tmp", "root"] {
            try FileManager.default.createDirectory(at: prefix.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        port = try LoopbackPort.free()
        try configuration.write(to: prefix.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        try start()
    }

    /// `METHOD URI STATUS UPSTREAM` per balanced request, in order.
    public func upstreamLog() -> [String] {
        let text = (try? String(contentsOf: prefix.appendingPathComponent("logs/upstream.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: prefix)
    }

    public func url(_ path: String) -> URL { URL(string: "\(tls ? "https" : "http")://127.0.0.1:\(port)/\(path)")! }

    public func file(_ path: String) -> URL { root.appendingPathComponent(path) }

    /// `METHOD URI STATUS REQUEST_LENGTH` per request, in order.
    public func accessLog() -> [String] {
        let text = (try? String(contentsOf: prefix.appendingPathComponent("logs/access.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// `METHOD HOST URI USER` per request (USER from the Basic Authorization header, `-` without one).
    public func authLog() -> [String] {
        let text = (try? String(contentsOf: prefix.appendingPathComponent("logs/auth.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        process.arguments = ["-p", prefix.path + "/", "-c", "nginx.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while !LoopbackPort.accepts(port) {
            guard process.isRunning, Date() < deadline else {
                let log = (try? String(contentsOf: prefix.appendingPathComponent("logs/error.log"), encoding: .utf8)) ?? ""
                stop()
                throw NSError(domain: "NginxServer", code: 1, userInfo: [NSLocalizedDescriptionKey: "nginx did not start: \(log)"])
            }
            usleep(20_000)
        }
    }

    /// SIGTERM is nginx's fast shutdown: in-flight requests are cut, as when a server dies.
    public func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    private func makeCertificate() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                             "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "key.pem", "-out", "cert.pem"]
        process.currentDirectoryURL = prefix
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "NginxServer", code: 2, userInfo: [NSLocalizedDescriptionKey: "openssl could not make a test certificate"])
        }
    }

    private var configuration: String {
        // Run as root (CI containers), nginx would switch workers to `nobody`, who cannot
        // write into our private temporary folders.
        let user = geteuid() == 0 ? "user root;" : ""
        if !upstreams.isEmpty { return balancer(user: user) }
        return """
        \(prelude(user: user))
        http {
            log_format counts '$request_method $uri $status $request_length';
            access_log logs/access.log counts;
            log_format auth '$request_method $host $uri $remote_user';
            access_log logs/auth.log auth;
            client_body_temp_path tmp;
            proxy_temp_path tmp;
            fastcgi_temp_path tmp;
            uwsgi_temp_path tmp;
            scgi_temp_path tmp;
            server {
                listen 127.0.0.1:\(port)\(tls ? " ssl" : "");
                \(tls ? "ssl_certificate cert.pem; ssl_certificate_key key.pem;" : "")
                root root;
                client_max_body_size 0;
                location /dav/ { dav_methods PUT DELETE MKCOL MOVE; }
                location /forbidden/ { dav_methods PUT MKCOL; limit_except GET HEAD { deny all; } }
                location /small/ { dav_methods PUT MKCOL; client_max_body_size 1m; }
                location ~ ^/moved/(.*)$ { return 307 http://localhost:\(port)/dav/$1; }
                location /discard/ { if ($request_method ~ ^(PUT|MKCOL)$) { return 201; } }
                location /blind/ { if ($request_method = PUT) { return 201; } return 403; }
            }
        }
        """
    }
}

extension NginxServer {
    /// What every configuration here starts with: one worker in the foreground, logs under the prefix.
    fileprivate func prelude(user: String) -> String {
        """
        \(user)
        daemon off;
        worker_processes 1;
        error_log logs/error.log info;
        pid logs/nginx.pid;
        events { worker_connections 64; }
        """
    }

    fileprivate func balancer(user: String) -> String {
        """
        \(prelude(user: user))
        http {
            log_format upstream '$request_method $uri $status $upstream_addr';
            access_log logs/upstream.log upstream;
            client_body_temp_path tmp;
            proxy_temp_path tmp;
            fastcgi_temp_path tmp;
            uwsgi_temp_path tmp;
            scgi_temp_path tmp;
            upstream backends { \(upstreams.map { "server 127.0.0.1:\($0);" }.joined(separator: " ")) }
            server {
                listen 127.0.0.1:\(port);
                client_max_body_size 0;
                location / {
                    proxy_pass http://backends;
                    proxy_http_version 1.1;
                    proxy_request_buffering off;
                    proxy_next_upstream off;
                }
            }
        }
        """
    }
}

public enum LoopbackPort {
    /// Asks the kernel for an unused port on 127.0.0.1.
    public static func free() throws -> UInt16 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw NSError(domain: "LoopbackPort", code: Int(errno)) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    public static func accepts(_ port: UInt16) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    public static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }
}
