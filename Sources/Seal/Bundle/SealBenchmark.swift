internal import CSodium
import Foundation
import ProctorModel

/// `proctor bench-seal`: sealing throughput against raw libsodium AEAD on the same records,
/// measured in one process so both see the same CPU and load. The record size is a parameter:
/// a recording seals a quarter second of media per record (`SealedRecording`: tens of KiB at
/// the default bitrates, at most 512 KiB); `make bench` holds 1 MiB records to the target and
/// reports 64 KiB records beside them.
public enum SealBenchmark {
    public struct Result: Sendable, Codable {
        public let cipher: String
        public let recordBytes: Int
        public let rawMBps: Double
        public let sealMBps: Double
        public let ratio: Double
        /// Median time `finish` took: fsync, reading the whole bundle back to hash it for the
        /// manifest (docs/bundle-format.md, Speed), the signed final record. Not in `sealMBps`,
        /// which is the per-record rate a recording sees.
        public let finishSeconds: Double
    }

    /// `rounds` alternating runs of `megabytes` MiB each; each side reports its median run. On a
    /// shared machine the load changes from moment to moment; interleaving puts both sides under
    /// the same mix, and medians ignore the lucky and unlucky moments alike.
    public static func run(megabytes: Int = 64, rounds: Int = 5, recordBytes: Int = 1 << 20, directory: URL) throws(ProctorError) -> Result {
        try Sodium.ensureInitialised()
        guard recordBytes > 0, recordBytes <= BundleFormat.maxPayloadByteCount else {
            throw ProctorError(.usage, "a record holds 1 byte to \(BundleFormat.maxPayloadByteCount >> 20) MiB, not \(recordBytes) bytes")
        }
        let cipher = try BundleCipher.preferred(environment: ProcessInfo.processInfo.environment)
        let payload = Sodium.randomBytes(recordBytes)
        let records = max(1, (megabytes << 20) / recordBytes)
        var raws: [Double] = [], seals: [Double] = [], finishes: [Double] = []
        for round in 0..<rounds {
            raws.append(raw(cipher, payload: payload, records: records))
            let url = directory.appendingPathComponent("proctor-bench-seal-\(getpid())-\(round).proctor")
            defer { try? FileManager.default.removeItem(at: url) }
            let (rate, finish) = try seal(cipher, payload: payload, records: records, to: url)
            seals.append(rate)
            finishes.append(finish)
        }
        let rawMedian = median(raws), sealMedian = median(seals)
        return Result(cipher: cipher.description, recordBytes: recordBytes, rawMBps: rawMedian, sealMBps: sealMedian,
                      ratio: rawMedian > 0 ? sealMedian / rawMedian : 0, finishSeconds: median(finishes))
    }

    /// The libsodium one-shot call a program without a bundle format would make per record.
    private static func raw(_ cipher: BundleCipher, payload: [UInt8], records: Int) -> Double {
        let key = Sodium.randomBytes(BundleCipher.keyByteCount)
        var output = [UInt8](repeating: 0, count: payload.count + BundleCipher.tagByteCount)
        var nonce = [UInt8](repeating: 0, count: cipher.nonceByteCount)
        let clock = ContinuousClock()
        let start = clock.now
        for index in 0..<records {
            nonce[0] = UInt8(truncatingIfNeeded: index)
            nonce[1] = UInt8(truncatingIfNeeded: index >> 8)
            nonce[2] = UInt8(truncatingIfNeeded: index >> 16)
            var length: UInt64 = 0
            switch cipher {
            case .aes256GCM:
                _ = crypto_aead_aes256gcm_encrypt(&output, &length, payload, UInt64(payload.count), nil, 0, nil, nonce, key)
            case .xChaCha20Poly1305:
                _ = crypto_aead_xchacha20poly1305_ietf_encrypt(&output, &length, payload, UInt64(payload.count), nil, 0, nil, nonce, key)
            }
        }
        return megabytesPerSecond(records * payload.count, since: start, clock)
    }

    /// The full append path: seal, frame, write to a real file (fsync timer running); then the
    /// time `finish` takes.
    private static func seal(_ cipher: BundleCipher, payload: [UInt8], records: Int, to url: URL) throws(ProctorError) -> (megabytesPerSecond: Double, finishSeconds: Double) {
        let recipient = BoxKeys.generate()
        let header = BundleHeader(examId: "bench", examFileSHA256: SHA256.hash([]), studentId: "bench", sessionId: "bench",
                                  startTime: Date(), recipients: [BundleRecipient(name: "bench", publicKey: recipient.publicKey)],
                                  cipher: cipher)
        let writer = try BundleWriter(creating: url, header: header)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<records { try writer.append(.media, payload) }
        let rate = megabytesPerSecond(records * payload.count, since: start, clock)
        let finishStart = clock.now
        try writer.finish(mediaDuration: 0)
        return (rate, seconds(clock.now - finishStart))
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    private static func megabytesPerSecond(_ bytes: Int, since start: ContinuousClock.Instant, _ clock: ContinuousClock) -> Double {
        let elapsed = seconds(clock.now - start)
        return elapsed > 0 ? Double(bytes) / 1_000_000 / elapsed : 0
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
