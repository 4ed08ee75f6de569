import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster (Debian's `postgresql` package) for one test class: `initdb`
/// into a temporary folder, `pg_ctl start` on a free loopback port with its socket in that
/// folder, password logins only (SCRAM), stopped and deleted at the end. PostgreSQL refuses to
/// run as root, so under root (CI containers) the cluster belongs to the `postgres` system user
/// the package creates; otherwise to whoever runs the tests. Nothing outside the folder is used.
public final class PostgresServer {
    public let folder: URL
    public let port: Int
    public let user = "proctor"
    /// Random per cluster: the tests prove the server logs in with a password it was given.
    public let password: String
    private let bin: URL
    private let owner: String?
    private var running = false

    public init() throws {
        bin = try Self.binaries()
        password = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        owner = geteuid() == 0 ? "postgres" : nil
        // The postgres user must reach the folder: under root, TMPDIR may be root's own (0700).
        let base = owner == nil ? FileManager.default.temporaryDirectory : URL(fileURLWithPath: "/tmp")
        folder = base.appendingPathComponent("proctor-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(password.utf8).write(to: folder.appendingPathComponent("pwfile"))
        if let owner { try Self.run("/bin/chown", ["-R", owner, folder.path]) }
        port = try Self.freePort()
        try runAsOwner("initdb", ["-D", data, "-U", user, "--pwfile", folder.appendingPathComponent("pwfile").path,
                                  "--auth", "scram-sha-256", "-E", "UTF8", "--no-sync"])
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }

    private var data: String { folder.appendingPathComponent("data").path }

    /// `postgres://proctor@127.0.0.1:PORT/DATABASE`, the form `[metadata] url` takes.
    public func url(database: String) -> String { "postgres://\(user)@127.0.0.1:\(port)/\(database)" }

    /// Starts (or restarts) the cluster and waits until it takes connections (`pg_ctl -w`).
    /// fsync is off: a test cluster is thrown away, and the machine's two cores are shared.
    public func start() throws {
        try runAsOwner("pg_ctl", ["-D", data, "-l", folder.appendingPathComponent("server.log").path, "-w", "-t", "60",
                                  "-o", "-p \(port) -k \(folder.path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off",
                                  "start"])
        running = true
    }

    /// A fast shutdown: connections are cut, as when a database host goes away.
    public func stop() {
        guard running else { return }
        running = false
        try? runAsOwner("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
    }

    /// A new empty database, so each test starts from nothing on the shared cluster.
    @discardableResult
    public func createDatabase(_ name: String = "t_" + UUID().uuidString.prefix(8).lowercased()) throws -> String {
        try query("CREATE DATABASE \(name)", database: "postgres")
        return name
    }

    /// Runs SQL through `psql` as the cluster's user and returns the unaligned rows, one per line.
    @discardableResult
    public func query(_ sql: String, database: String) throws -> String {
        try Self.run(bin.appendingPathComponent("psql").path,
                     ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user,
                      "-d", database, "-c", sql],
                     environment: ["PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `SELECT COUNT(*) FROM table`.
    public func count(_ table: String, database: String) throws -> Int {
        let text = try query("SELECT COUNT(*) FROM \(table)", database: database)
        guard let count = Int(text) else { throw PostgresServerError("COUNT(*) of \(table) answered '\(text)'") }
        return count
    }

    public var log: String { (try? String(contentsOf: folder.appendingPathComponent("server.log"), encoding: .utf8)) ?? "" }

    private func runAsOwner(_ tool: String, _ arguments: [String]) throws {
        let path = bin.appendingPathComponent(tool).path
        if let owner {
            try Self.run("/usr/sbin/runuser", ["-u", owner, "--", path] + arguments)
        } else {
            try Self.run(path, arguments)
        }
    }

    /// The newest PostgreSQL installed under Debian's layout, `/usr/lib/postgresql/N/bin`.
    private static func binaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).compactMap(Int.init).sorted()
        guard let newest = versions.last else {
            throw PostgresServerError("no PostgreSQL under /usr/lib/postgresql: install Debian's postgresql package (make setup)")
        }
        return root.appendingPathComponent("\(newest)/bin")
    }

    /// posix_spawn and waitpid rather than Foundation's `Process`: `Process.waitUntilExit` was
    /// seen never to return for `runuser` (left a zombie nobody reaped), and `pg_ctl start`
    /// leaves a daemon holding the output file, which a pipe would never see closed.
    @discardableResult
    private static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("pg-out-\(UUID().uuidString)").path
        defer { unlink(out) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw PostgresServerError("cannot run \(path): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        // WIFEXITED && WEXITSTATUS == 0, spelled out: the C macros do not import.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw PostgresServerError("\(URL(fileURLWithPath: path).lastPathComponent) failed (wait status \(status)): \(text)")
        }
        return text
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw PostgresServerError("no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct PostgresServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
