import Foundation
import ProctorModel

/// Proof of delivery, printed and stored beside the bundle as `BUNDLE.receipt.json`. Its
/// presence is what tells retention that the local bundle may eventually go.
public struct DeliveryReceipt: Codable, Sendable, Equatable {
    public enum Layout: String, Codable, Sendable {
        /// The destination holds the bundle as one file under its own name.
        case whole
        /// The destination holds `NAME.parts/` (segments + manifest); `proctor submit collect`
        /// rebuilds the bundle there.
        case segments
    }

    public enum Verification: String, Codable, Sendable {
        /// The delivered file was read back and its SHA-256 matched (folders).
        case sha256
        /// The server reported the expected size for everything sent (HTTP HEAD), and offers
        /// neither a digest nor byte ranges to check the bytes themselves.
        case size
        /// The expected size (HEAD), and the server's own SHA-256 of what it holds
        /// (`Content-Digest`, `Repr-Digest` or `Digest` header) matched.
        case digest
        /// The expected size (HEAD), and a byte range read back (GET with `Range`, the end of
        /// the file) hashed the same as the bundle's bytes there.
        case range
        /// The server acknowledged the PUT but allows no HEAD or GET (presigned PUT URLs): what it
        /// holds is unknown, so `purge` never deletes the local bundle on this receipt.
        case acknowledged

        /// Whether the destination was read back, so the local copy is no longer the only one.
        public var readBack: Bool { self != .acknowledged }
    }

    public let bundle: String
    public let sha256: String
    public let size: Int64
    /// Where it went, with credentials and presigned signatures removed.
    public let destination: String
    public let location: String
    public let layout: Layout
    public let segments: Int
    public let verification: Verification
    /// Bundle bytes sent in this run (including attempts that were cut off).
    public let bytesSent: Int64
    /// Bundle bytes an earlier, interrupted run had already delivered and this one skipped.
    public let bytesAlreadyThere: Int64
    public let retries: Int
    /// Whole seconds, as the receipt's ISO 8601 text stores it.
    public let deliveredAt: Date

    public static func url(for bundle: URL) -> URL {
        bundle.deletingLastPathComponent().appendingPathComponent(bundle.lastPathComponent + ".receipt.json")
    }

    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(self)) ?? Data()
    }

    public static func read(from url: URL) throws(ProctorError) -> DeliveryReceipt {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(DeliveryReceipt.self, from: Data(contentsOf: url))
        } catch {
            throw ProctorError(.badData, "\(url.path) is not a delivery receipt", detail: String(describing: error))
        }
    }

    /// Written whole under a temporary name and renamed, so a receipt is never half there.
    func store(beside bundle: URL) throws(ProctorError) {
        let target = Self.url(for: bundle)
        do {
            try encoded().write(to: target, options: .atomic)
        } catch {
            throw ProctorError(.io, "the bundle was delivered, but its receipt could not be stored at \(target.path)",
                               detail: String(describing: error))
        }
    }
}
