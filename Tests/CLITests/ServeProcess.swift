import Foundation
import PostgresTestServer
import SQLiteNIO
import TestTools
import XCTest

/// A real `proctor serve` process on a random loopback port, with its own data folder, server
/// key and trusted instructor, stopped with SIGTERM (its graceful shutdown) at the end.
final class ServeProcess {
    let folder: URL
    let process = Process()
    let port: Int
    /// The `proctor-server-v1` line the server printed: what an exam pins.
    let keyLine: String
    private let output = Pipe()
    /// Set when `[metadata]` names PostgreSQL: the database the rows are counted in.
    var postgres: (cluster: PostgresServer, database: String)?

    var http: RawHTTP { RawHTTP(port: port) }
    var database: URL { folder.appendingPathComponent("data/proctor.sqlite") }
    var bundles: URL { folder.appendingPathComponent("data/bundles") }

    /// `trusting`: the instructor `.pub` lines allowed to publish.
    /// `postgres`: metadata in that database, the password through `PROCTOR_DB_PASSWORD`; several
    /// instances on one folder (each its own `configName`) share the data folder, key and bundles.
    init(folder: URL, trusting instructors: [String], port: Int = 0, extraConfig: String = "",
         postgres: (cluster: PostgresServer, database: String)? = nil, configName: String = "serve.toml") throws {
        self.folder = folder
        self.postgres = postgres
        let config = folder.appendingPathComponent(configName)
        let metadata = postgres.map { """
            [metadata]
            store = "postgres"
            url = "\($0.cluster.url(database: $0.database))"
            password_env = "PROCTOR_DB_PASSWORD"
            tls = "disable"
            """ } ?? ""
        let list = instructors.map { "\"\($0)\"" }.joined(separator: ", ")
        try """
        [listen]
        port = \(port)

        [storage]
        data_dir = "data"

        [trust]
        instructors = [\(list)]
        \(extraConfig)
        \(metadata)
        """.write(to: config, atomically: true, encoding: .utf8)
        process.executableURL = ProctorBinary.url
        process.arguments = ["serve", "--config", config.path]
        if let postgres {
            process.environment = ProcessInfo.processInfo.environment.merging(["PROCTOR_DB_PASSWORD": postgres.cluster.password]) { $1 }
        }
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        // The first two stdout lines: "listening on http://127.0.0.1:PORT/ ..." and the key line.
        var text = ""
        let handle = output.fileHandleForReading
        while text.split(separator: "\n").count < 2 {
            let chunk = handle.availableData
            guard !chunk.isEmpty else { throw RawHTTPError("proctor serve exited before listening: \(text)") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        let lines = text.split(separator: "\n").map(String.init)
        guard let address = lines[0].range(of: "http://127.0.0.1:"),
              let port = Int(lines[0][address.upperBound...].prefix(while: \.isNumber)) else {
            process.terminate()
            throw RawHTTPError("unexpected first line: \(lines[0])")
        }
        self.port = port
        keyLine = lines[1]
    }

    /// SIGTERM and wait: the exit status of a graceful stop.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    deinit { stop() }

    /// A port that was free a moment ago, for an exam that must name the server before it starts.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw RawHTTPError("no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `SELECT COUNT(*) FROM table`, read from the server's own database file.
    func count(_ table: String) async throws -> Int {
        if let postgres { return try postgres.cluster.count(table, database: postgres.database) }
        let connection = try await SQLiteConnection.open(storage: .file(path: database.path))
        let rows: [SQLiteRow]
        do {
            rows = try await connection.query("SELECT COUNT(*) AS n FROM \(table)", [])
        } catch {
            try await connection.close()
            throw error
        }
        try await connection.close()
        return rows.first?.column("n")?.integer ?? -1
    }

    /// One statement on the server's database, for a state a test cannot wait for (an expired ticket).
    func execute(_ sql: String) async throws {
        if let postgres { try postgres.cluster.query(sql, database: postgres.database); return }
        let connection = try await SQLiteConnection.open(storage: .file(path: database.path))
        do { _ = try await connection.query(sql, []) } catch {
            try await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// When each checkpoint arrived (Unix ms), in sequence order.
    func checkpointArrivals() async throws -> [Int] {
        let connection = try await SQLiteConnection.open(storage: .file(path: database.path))
        let rows = try? await connection.query("SELECT received_at FROM checkpoints ORDER BY sequence", [])
        try await connection.close()
        return (rows ?? []).compactMap { $0.column("received_at")?.integer }
    }

    func json(_ method: String, _ path: String, _ body: some Encodable) throws -> RawHTTP.Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try http.send(method, path, headers: ["Content-Type": "application/json"], body: try encoder.encode(body))
    }
}
