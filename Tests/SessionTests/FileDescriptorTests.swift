import Foundation
import ProctorModel
import TestTools
import XCTest

/// The one POSIX file type the bundle writer, the reader and delivery share, and its one errno
/// mapping, on real file systems (a full and a read-only tmpfs).
final class FileDescriptorTests: XCTestCase {
    func testEveryErrnoMapsToOneCodeAndKeepsIt() {
        let expected: [(Int32, ProctorError.Code)] = [
            (ENOSPC, .io), (EDQUOT, .io), (EIO, .io), (EACCES, .permission), (EPERM, .permission), (EROFS, .permission),
            (ENOENT, .missingInput), (ENOTDIR, .missingInput), (EBADF, .io),
        ]
        for (code, kind) in expected {
            let error = ProctorError.posix(code, "could not write x")
            XCTAssertEqual(error.code, kind, "errno \(code)")
            XCTAssertEqual(error.underlying, code)
            XCTAssertEqual(error.message, "could not write x: \(String(cString: strerror(code)))")
        }
    }

    func testMissingFileIsMissingInputWithItsErrno() {
        XCTAssertThrowsError(try FileDescriptor(opening: "/nonexistent-proctor/file", O_RDONLY, "could not open it")) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .missingInput)
            XCTAssertEqual((error as? ProctorError)?.underlying, ENOENT)
            XCTAssertEqual((error as? ProctorError)?.message, "could not open it: No such file or directory")
        }
    }

    func testWritesReadsTruncatesAndClosesWhenDropped() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-fd-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = try FileDescriptor(opening: path, O_RDWR | O_CREAT | O_EXCL, "create")
        try Array("hello world".utf8).withUnsafeBytes { try descriptor.write($0, "write") }
        try Array("W".utf8).withUnsafeBytes { try descriptor.write($0, at: 6, "write") }
        try descriptor.truncate(to: 9, "truncate")
        try descriptor.seek(to: 9, "seek")
        try Array("!".utf8).withUnsafeBytes { try descriptor.write($0, "write") }
        try descriptor.sync("sync")
        XCTAssertEqual(try descriptor.status("stat").size, 10)
        XCTAssertTrue(try descriptor.status("stat").isRegularFile)
        var buffer = [UInt8](repeating: 0, count: 32)
        let got = try buffer.withUnsafeMutableBytes { try descriptor.read(into: $0, at: 0, "read") }
        XCTAssertEqual(String(decoding: buffer[0..<got], as: UTF8.self), "hello Wor!")
        XCTAssertThrowsError(try FileDescriptor(opening: path, O_RDWR | O_CREAT | O_EXCL, "create again")) { error in
            XCTAssertEqual((error as? ProctorError)?.underlying, EEXIST)
        }
        withExtendedLifetime(descriptor) {
            XCTAssertEqual(fcntl(descriptor.raw, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC, "never inherited by a child process")
        }

        let dropped: Int32 = try {
            let reader = try FileDescriptor(opening: path, O_RDONLY, "open")
            withExtendedLifetime(reader) { XCTAssertNotEqual(fcntl(reader.raw, F_GETFD), -1) }
            return reader.raw
        }()
        XCTAssertEqual(fcntl(dropped, F_GETFD), -1, "closed with its last reference")
        XCTAssertEqual(errno, EBADF)
    }

    func testFullDiskIsIOWithENOSPCAndReadOnlyIsPermission() throws {
        let small = try SmallFileSystem(kibibytes: 256)
        let file = try FileDescriptor(opening: small.folder.appendingPathComponent("big").path, O_WRONLY | O_CREAT, "create")
        let chunk = [UInt8](repeating: 7, count: 64 * 1024)
        XCTAssertThrowsError(try (0..<16).forEach { _ in try chunk.withUnsafeBytes { try file.write($0, "could not write") } }) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .io)
            XCTAssertEqual((error as? ProctorError)?.underlying, ENOSPC)
        }
        let frozen = try SmallFileSystem(kibibytes: 256, readOnly: true)
        XCTAssertThrowsError(try FileDescriptor(opening: frozen.folder.appendingPathComponent("x").path, O_WRONLY | O_CREAT, "could not create")) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .permission)
            XCTAssertEqual((error as? ProctorError)?.underlying, EROFS)
        }
    }
}
