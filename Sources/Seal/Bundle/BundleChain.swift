import Foundation
import ProctorModel

/// A record boundary as a keyless reader sees it: after record `records - 1` of `part`, the
/// file's first `offset` bytes hash to `chain`. Live checkpoints commit to such a point, and
/// the collection server finds it again in the uploaded bundle (docs/server.md).
package struct ChainPoint: Sendable, Equatable {
    package var part: UInt32
    package var records: UInt64
    package var offset: Int
    package var chain: [UInt8]
    /// The part's Ed25519 public key, from its part header.
    package var partSigningKey: [UInt8]
}

package enum BundleChain {
    /// Every record boundary of a bundle file, in order, read without a key; `visit` may stop
    /// the pass by returning false. Returns the failure that ended the pass early, if any: a
    /// bundle that merely ends (a recording still running, a crash) is not a failure.
    @discardableResult
    package static func walk(_ url: URL, _ visit: (ChainPoint) -> Bool) throws(ProctorError) -> BundleFailure? {
        let reader = try BundleReader(contentsOf: url)
        while true {
            let record: BundleRecord?
            do { record = try reader.step() } catch { return error }
            guard let record else { return nil }
            let point = ChainPoint(part: record.part, records: record.index + 1, offset: reader.chainOffset,
                                   chain: reader.chainValue, partSigningKey: reader.currentPartSigningKey)
            if !visit(point) { return nil }
        }
    }

    /// The last complete record boundary of a bundle being written (the checkpoint sender reads
    /// what the writer has flushed so far), or nil before the first record.
    package static func lastPoint(of url: URL) throws(ProctorError) -> ChainPoint? {
        var last: ChainPoint?
        try walk(url) { point in
            last = point
            return true
        }
        return last
    }
}

extension BundleWriter {
    /// The current part's Ed25519 public key (what its part header carries), nil once finished.
    package var partSigningPublicKey: [UInt8]? {
        // libsodium's 64-byte secret key is seed || public key.
        signingSecret?.withUnsafeBytes { Array($0[32..<64]) }
    }

    /// Signs `message` with the current part's key, for checkpoints. A message in the final
    /// record's domain is refused: this key must never sign a manifest for anyone else.
    package func signWithPartKey(_ message: [UInt8]) throws(ProctorError) -> [UInt8] {
        guard !message.starts(with: BundleFormat.finalSignatureDomain) else {
            throw ProctorError(.usage, "the part key signs checkpoints, never final records")
        }
        guard let signingSecret else { throw ProctorError(.usage, "this bundle is finished: its part key is gone") }
        return Signing.sign(message, secretKey: signingSecret)
    }
}
