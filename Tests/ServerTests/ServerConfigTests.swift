import Foundation
import ProctorModel
import Server
import XCTest

/// `proctor serve --config`: every key, the defaults, and the errors a typo gets.
final class ServerConfigTests: XCTestCase {
    let base = URL(fileURLWithPath: "/srv/proctor")

    func testDefaultsRunOnOneMachine() throws {
        let config = try ServerConfig.parse(toml: "", fileName: "serve.toml", baseDirectory: base)
        XCTAssertEqual(config.host, "127.0.0.1")
        XCTAssertEqual(config.port, 8440)
        XCTAssertEqual(config.databaseURL.path, "/srv/proctor/proctor-server/proctor.sqlite")
        XCTAssertEqual(config.resolvedKeyFile.path, "/srv/proctor/proctor-server/server.server.key")
        XCTAssertEqual(config.limits.segmentBytes, 8 << 20)
        XCTAssertEqual(config.ticketGraceSeconds, 900)
        XCTAssertTrue(config.trustedInstructors.isEmpty)
    }

    func testEveryKeyIsRead() throws {
        let config = try ServerConfig.parse(toml: """
            [listen]
            host = "0.0.0.0"
            port = 9000
            [storage]
            data_dir = "/var/lib/proctor"
            [identity]
            key_file = "keys/c.server.key"
            [trust]
            ticket_grace_minutes = 5
            [limits]
            json_bytes = 4096
            segment_bytes = 65536
            bundle_bytes = 1000000
            """, fileName: "serve.toml", baseDirectory: base)
        XCTAssertEqual(config.host, "0.0.0.0")
        XCTAssertEqual(config.port, 9000)
        XCTAssertEqual(config.bundlesDirectory.path, "/var/lib/proctor/bundles")
        XCTAssertEqual(config.resolvedKeyFile.path, "/srv/proctor/keys/c.server.key")
        XCTAssertEqual(config.ticketGraceSeconds, 300)
        XCTAssertEqual([config.limits.jsonBytes, config.limits.segmentBytes, config.limits.bundleBytes], [4096, 65536, 1_000_000])
    }

    func testTyposAndBadValuesNameTheLine() {
        for (text, expected) in [
            ("[listen]\nprot = 1", "serve.toml:2: listen.prot: unknown key"),
            ("[listen]\nport = 70000", "serve.toml:2: listen.port: must be between 0 and 65535, got 70000"),
            ("[trust]\ninstructors = [\"proctor-pub-v2 x AAAA 000000\"]", "serve.toml:2: trust.instructors:"),
            ("[limitz]", "serve.toml:1: limitz: unknown key"),
        ] {
            XCTAssertThrowsError(try ServerConfig.parse(toml: text, fileName: "serve.toml", baseDirectory: base)) { error in
                let error = error as! ProctorError
                XCTAssertEqual(error.code, .badData)
                XCTAssertTrue(error.message.hasPrefix(expected), "\(error.message) should start with \(expected)")
            }
        }
    }
}
