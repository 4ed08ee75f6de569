import Foundation
import ProctorModel

/// Reads the canonical encoding back, strictly: every length is bounded, a short read or a
/// trailing byte is an error, so one value has exactly one encoding.
package struct WireReader {
    private let bytes: [UInt8]
    private var offset = 0
    /// Names the thing being read in every error ("the ticket").
    private let what: String

    package init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.what = what
    }

    package var isAtEnd: Bool { offset == bytes.count }

    package func malformed(_ reason: String) -> ProctorError {
        ProctorError(.badData, "\(what) is malformed: \(reason)")
    }

    package mutating func fixed(_ count: Int) throws(ProctorError) -> [UInt8] {
        guard count <= bytes.count - offset else { throw malformed("it ends after \(bytes.count) bytes") }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    package mutating func u8() throws(ProctorError) -> UInt8 { try fixed(1)[0] }

    package mutating func u32() throws(ProctorError) -> UInt32 { try integer(UInt32.self) }

    package mutating func u64() throws(ProctorError) -> UInt64 { try integer(UInt64.self) }

    package mutating func i64() throws(ProctorError) -> Int64 { try integer(Int64.self) }

    package mutating func time() throws(ProctorError) -> Date {
        Date(timeIntervalSince1970: Double(try i64()) / 1000)
    }

    package mutating func str(_ field: String) throws(ProctorError) -> String {
        let count = Int(try integer(UInt16.self))
        guard count <= WireLimits.maxString else { throw malformed("\(field) is longer than \(WireLimits.maxString) bytes") }
        let raw = try fixed(count)
        guard let text = String(validating: raw, as: UTF8.self), !raw.contains(0) else {
            throw malformed("\(field) is not UTF-8 text")
        }
        return text
    }

    /// A flag byte that must be exactly 0 or 1.
    package mutating func flag(_ field: String) throws(ProctorError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let other: throw malformed("\(field) must be 0 or 1, got \(other)")
        }
    }

    package func finish() throws(ProctorError) {
        guard isAtEnd else { throw malformed("\(bytes.count - offset) bytes follow its last field") }
    }

    private mutating func integer<T: FixedWidthInteger>(_ type: T.Type) throws(ProctorError) -> T {
        let raw = try fixed(MemoryLayout<T>.size)
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: raw) }
        return T(littleEndian: value)
    }
}

/// Bounds shared by both directions of the encoding.
package enum WireLimits {
    /// As in the bundle format: strings up to 1024 bytes.
    package static let maxString = 1024

    /// Ids that name attempts, students and exams: the bundle header's own limit, no NUL.
    package static func check(_ text: String, _ field: String) throws(ProctorError) {
        guard text.utf8.count <= maxString, !text.utf8.contains(0) else {
            throw ProctorError(.badData, "\(field) must be at most \(maxString) bytes of text without NUL")
        }
    }
}
