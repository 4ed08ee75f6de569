import Foundation
import ProctorModel

/// Appends sealed records to a bundle file (docs/bundle-format.md). One writer per file, used
/// from one thread at a time (not Sendable: a caller that shares it, like the session's sealed
/// recording, serialises the calls); the periodic fsync runs on its own timer and the writes
/// on the pipeline's thread.
///
/// The SHA-256 of the bundle (chained into each part header, and in the final manifest) is not
/// computed while sealing: it is read back from the file, after fsync, when a part starts and
/// when the bundle is finished. Sealing a record then costs one AES-GCM pass, with the write on
/// the pipeline's thread, and the digest covers the bytes that reached the file.
public final class BundleWriter {
    public struct Options: Sendable {
        /// Longest time a written record may wait for fsync (the power-loss window).
        public var syncInterval: Duration

        public init(syncInterval: Duration = .seconds(1)) {
            self.syncInterval = syncInterval
        }
    }

    public let header: BundleHeader
    public var url: URL { URL(fileURLWithPath: file.path) }
    /// The part records are going to (0 unless resumed).
    public private(set) var partNumber: UInt32 = 0
    /// Records sealed so far in the current part.
    public var recordIndex: UInt64 { nextIndex }

    private let file: BundleAppendFile
    private let entropy: any BundleEntropy
    private let pipeline: FramePipeline
    var timedSyncs: Int { file.timedSyncs }
    private var manifest = BundleManifest()
    private var cipher: ContentCipher?
    /// Internal, not private: `signWithPartKey` (BundleChain.swift) signs checkpoints with it.
    var signingSecret: SecretBytes?
    private var partHash: [UInt8] = []
    /// SHA-256 of the file's bytes [0, hashedLength), as read back from it.
    private var hasher: SHA256.Incremental
    private var hashedLength: Int
    /// Per-record scratch, reused so sealing allocates nothing.
    private var frameHeader: [UInt8] = [], additionalData: [UInt8] = [], nonce: [UInt8] = []
    private var nextIndex: UInt64 = 0
    private var isFinished = false

    /// Creates `url` (which must not exist), writes the session header and opens part 0.
    public convenience init(creating url: URL, header: BundleHeader, options: Options = Options()) throws(ProctorError) {
        try self.init(creating: url, header: header, options: options, entropy: SystemEntropy())
    }

    init(creating url: URL, header: BundleHeader, options: Options, entropy: any BundleEntropy) throws(ProctorError) {
        let sessionHeader = try BundleFormat.encodeSessionHeader(header)
        guard header.cipher.isAvailable else {
            throw ProctorError(.unavailable, "\(header.cipher) cannot run on this CPU; set \(BundleCipher.environmentVariable)=xchacha20poly1305")
        }
        self.header = header
        self.entropy = entropy
        hasher = SHA256.Incremental()
        hashedLength = 0
        file = try BundleAppendFile.create(path: url.path)
        pipeline = FramePipeline(file: file)
        do {
            try write(sessionHeader)
            try startPart(number: 0)
        } catch {
            // Nothing was recorded yet: do not leave a header-only file behind (e.g. a recipient
            // key libsodium refuses to seal to).
            pipeline.stop()
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        file.startSyncing(every: options.syncInterval)
    }

    private init(resuming file: BundleAppendFile, scan: BundleScan, options: Options) throws(ProctorError) {
        header = scan.header
        entropy = SystemEntropy()
        self.file = file
        manifest = scan.manifest
        // The scan read and hashed every byte it kept; what follows is hashed as it is finished.
        hasher = scan.takeHasher()
        hashedLength = scan.validLength
        try file.truncate(to: scan.validLength)
        pipeline = FramePipeline(file: file)
        try startPart(number: UInt32(scan.manifest.parts.count))
        file.startSyncing(every: options.syncInterval)
    }

    /// Reopens a bundle whose recording stopped without `finish` (a crash, a kill, a power loss):
    /// cuts off a torn last record, leaves the old part as "ended abruptly" and starts a new part
    /// with a fresh content key and signing key, wrapped to the same recipients.
    public static func resume(at url: URL, options: Options = Options()) throws(ProctorError) -> BundleWriter {
        let scan = try BundleScan(url: url)
        let file = try BundleAppendFile.openForAppend(path: url.path)
        return try BundleWriter(resuming: file, scan: scan, options: options)
    }

    public func append(_ type: RecordType, _ payload: some ContiguousBytes) throws(ProctorError) {
        try withSessionErrors { try payload.withUnsafeBytes { try append(type, $0) } }
    }

    public func append(_ type: RecordType, _ payload: UnsafeRawBufferPointer) throws(ProctorError) {
        guard type.isPayload else {
            throw ProctorError(.usage, "record type \(type) cannot be appended; application records use codes 0x01-0x4F")
        }
        guard payload.count <= BundleFormat.maxPayloadByteCount else {
            throw ProctorError(.usage, "a record holds at most \(BundleFormat.maxPayloadByteCount >> 20) MiB; split this \(payload.count)-byte payload")
        }
        try seal(type, flags: 0, payload)
    }

    /// Forces everything written so far to disk now.
    public func sync() throws(ProctorError) {
        try pipeline.flush()
        try file.sync()
    }

    /// Writes the part-end record, flushes, and wipes the content key: nothing more can be
    /// sealed in this part, and nothing on this machine can decrypt it any more.
    public func finishPart() throws(ProctorError) {
        guard cipher != nil else { return }
        var count = ByteBuilder()
        count.append(nextIndex)
        try withSessionErrors { try count.bytes.withUnsafeBytes { try seal(.partEnd, flags: BundleFormat.lastInPartFlag, $0) } }
        manifest.parts[manifest.parts.count - 1].ended = true
        cipher?.wipe()
        cipher = nil
        try sync()
    }

    /// Ends the part if needed, writes the final manifest signed with this part's key, flushes
    /// and closes. `mediaDuration` is the recorded media length in seconds.
    @discardableResult
    public func finish(mediaDuration: Double) throws(ProctorError) -> BundleManifest {
        guard !isFinished else { throw ProctorError(.usage, "this bundle is already finished") }
        try finishPart()
        guard let signingSecret else { throw ProctorError(.internalFailure, "the part signing key is gone") }
        manifest.mediaDuration = mediaDuration
        manifest.fileSHA256 = try fileDigest()
        let manifestBytes = manifest.encoded()
        let signature = Signing.sign(BundleFormat.finalSignatureDomain + partHash + manifestBytes, secretKey: signingSecret)
        let body = manifestBytes + signature
        try write(BundleFormat.frameHeader(type: .final, flags: 0, sealedLength: body.count) + body)
        signingSecret.wipe()
        self.signingSecret = nil
        isFinished = true
        try pipeline.flush()
        try file.close()
        return manifest
    }

    private func startPart(number: UInt32) throws(ProctorError) {
        let contentKey = entropy.contentKey()
        let (signingPublic, signingSecret) = try Signing.keyPair(seed: entropy.signingSeed())
        var part = ByteBuilder()
        part.append(BundleFormat.partMagic)
        part.append(number)
        part.append(signingPublic)
        part.append(try fileDigest())
        for recipient in header.recipients {
            part.append(try SealedBox.seal(contentKey, to: recipient.publicKey, ephemeralSeed: entropy.ephemeralSeed()))
        }
        let cipher = try ContentCipher(header.cipher, key: contentKey)
        var partBytes = part.bytes
        let tagOffset = partBytes.count
        partBytes += [UInt8](repeating: 0, count: BundleCipher.tagByteCount)
        partBytes.withUnsafeMutableBytes { out in
            cipher.seal(UnsafeRawBufferPointer(start: nil, count: 0), nonce: BundleFormat.headerTagNonce(cipher: header.cipher),
                        additionalData: part.bytes, into: out.baseAddress! + tagOffset)
        }
        try write(partBytes)
        partHash = SHA256.hash(partBytes)
        partNumber = number
        nextIndex = 0
        manifest.parts.append(BundleManifest.Part(records: 0, ended: false))
        self.cipher = cipher
        self.signingSecret = signingSecret
    }

    private func seal(_ type: RecordType, flags: UInt8, _ payload: UnsafeRawBufferPointer) throws(ProctorError) {
        guard let cipher else {
            throw ProctorError(.usage, isFinished ? "this bundle is already finished" : "part \(partNumber) has ended; resume to add records")
        }
        let sealedLength = payload.count + BundleCipher.tagByteCount
        let frameLength = BundleFormat.frameHeaderByteCount + sealedLength
        // Reused buffers: a 1 MiB record costs no allocation, and the pipeline writes it while
        // the next record is being sealed.
        let frame = try pipeline.checkout(capacity: frameLength)
        let buffer = frame.storage
        BundleFormat.frameHeader(type: type, flags: flags, sealedLength: sealedLength, into: &frameHeader)
        buffer.copyBytes(from: frameHeader)
        BundleFormat.additionalData(partHash: partHash, part: partNumber, index: nextIndex, type: type, flags: flags, into: &additionalData)
        BundleFormat.nonce(record: nextIndex, cipher: header.cipher, into: &nonce)
        cipher.seal(payload, nonce: nonce, additionalData: additionalData, into: buffer.baseAddress! + BundleFormat.frameHeaderByteCount)
        frame.count = frameLength
        pipeline.submit(frame)
        manifest.count(type, sealedLength: sealedLength)
        nextIndex += 1
    }

    /// SHA-256 of everything written so far, hashing from the file whatever was not yet hashed:
    /// flushed and fsynced first, so the digest covers what is on disk. Each byte is read back
    /// once, in constant memory.
    private func fileDigest() throws(ProctorError) -> [UInt8] {
        try sync()
        let length = file.length
        try file.hash(into: &hasher, from: hashedLength, to: length)
        hashedLength = length
        return hasher.copy().finalize()
    }

    private func write(_ bytes: [UInt8]) throws(ProctorError) {
        try pipeline.submit(copying: bytes)
    }

    /// `withUnsafeBytes` rethrows untyped; everything thrown inside is a ProctorError.
    private func withSessionErrors(_ body: () throws -> Void) throws(ProctorError) {
        do { try body() } catch let error as ProctorError { throw error } catch {
            throw ProctorError(.internalFailure, "unexpected error while writing the bundle: \(error)")
        }
    }

    deinit {
        pipeline.stop()
    }
}
