import Foundation

/// The canonical byte encoding shared by tickets, checkpoints and receipts (docs/server.md,
/// "Wire formats"): the bundle format's conventions, so one reader of that spec reads these too.
/// Integers little-endian; `str` is a u16 byte length then UTF-8; times are i64 Unix milliseconds.
package struct WireWriter {
    package private(set) var bytes: [UInt8] = []

    package mutating func u8(_ value: UInt8) { bytes.append(value) }

    package mutating func u32(_ value: UInt32) { append(littleEndian: value) }

    package mutating func u64(_ value: UInt64) { append(littleEndian: value) }

    package mutating func i64(_ value: Int64) { append(littleEndian: value) }

    /// Whole milliseconds since 1970, rounded down, as the bundle's start time is.
    package mutating func time(_ date: Date) { i64(Int64((date.timeIntervalSince1970 * 1000).rounded(.down))) }

    package mutating func fixed(_ raw: [UInt8]) { bytes += raw }

    /// Callers check lengths before encoding (`WireLimits.check`); this only writes.
    package mutating func str(_ text: String) {
        let utf8 = Array(text.utf8)
        append(littleEndian: UInt16(utf8.count))
        bytes += utf8
    }

    private mutating func append<T: FixedWidthInteger>(littleEndian value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}
