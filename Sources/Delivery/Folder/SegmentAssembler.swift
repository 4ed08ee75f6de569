import Foundation
import ProctorModel
import Seal

/// The collecting side of a segmented upload: rebuilds `NAME` from `NAME.parts/` byte for byte,
/// checking every segment's SHA-256 and the bundle's, and renames it into place only when all
/// of it checks out. Run by the institution on the WebDAV server's storage (or a copy of it).
public enum SegmentAssembler {
    public struct Assembled: Sendable {
        public let bundle: URL
        public let sha256: String
        public let size: Int64
        /// False when the bundle was already there, identical, from an earlier collection.
        public let written: Bool
    }

    /// Every `*.parts` folder with a manifest directly inside `folder`, assembled beside it.
    /// Folders without a manifest are uploads still in progress and are left alone.
    public static func collect(in folder: URL) throws(ProctorError) -> [Assembled] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        } catch {
            throw ProctorError(.missingInput, "cannot list \(folder.path)", detail: String(describing: error))
        }
        var results: [Assembled] = []
        for name in names where name.hasSuffix(SegmentManifest.folderSuffix) {
            let parts = folder.appendingPathComponent(name, isDirectory: true)
            guard FileManager.default.fileExists(atPath: parts.appendingPathComponent(SegmentManifest.fileName).path) else { continue }
            results.append(try assemble(parts: parts))
        }
        return results
    }

    public static func assemble(parts: URL) throws(ProctorError) -> Assembled {
        let manifestURL = parts.appendingPathComponent(SegmentManifest.fileName)
        let data: Data
        do {
            data = try Data(contentsOf: manifestURL)
        } catch {
            throw ProctorError(.missingInput, "no manifest at \(manifestURL.path): the upload is not complete yet")
        }
        let manifest = try SegmentManifest.decode(data, from: manifestURL.path)
        let target = parts.deletingLastPathComponent().appendingPathComponent(manifest.bundle)
        if FileManager.default.fileExists(atPath: target.path) {
            let existing = try BundleFile(url: target)
            var hasher = SHA256.Incremental()
            try existing.forEachChunk { hasher.update($0) }
            guard hasher.finalize().hexString == manifest.sha256 else {
                throw ProctorError(.io, "\(target.path) exists and differs from the segments in \(parts.path); not overwriting it")
            }
            return Assembled(bundle: target, sha256: manifest.sha256, size: manifest.size, written: false)
        }
        let temporary = parts.deletingLastPathComponent().appendingPathComponent("." + manifest.bundle + ".assembling")
        do {
            try write(manifest, from: parts, to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        guard rename(temporary.path, target.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw ProctorError.posix(errno, "cannot rename the assembled bundle to \(target.path)")
        }
        return Assembled(bundle: target, sha256: manifest.sha256, size: manifest.size, written: true)
    }

    private static func write(_ manifest: SegmentManifest, from parts: URL, to temporary: URL) throws(ProctorError) {
        let output = try FileDescriptor(opening: temporary.path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644, "cannot create \(temporary.path)")
        var whole = SHA256.Incremental()
        for entry in manifest.segments {
            let segmentURL = parts.appendingPathComponent(entry.name)
            let segment: BundleFile
            do {
                segment = try BundleFile(url: segmentURL)
            } catch {
                throw ProctorError(.missingInput, "segment \(entry.name) is missing from \(parts.path)")
            }
            guard segment.size == Int64(entry.length) else {
                throw ProctorError(.verification, "segment \(entry.name) in \(parts.path) has \(segment.size) bytes, the manifest says \(entry.length)")
            }
            var part = SHA256.Incremental()
            try segment.forEachChunk { (chunk) throws(ProctorError) in
                part.update(chunk)
                whole.update(chunk)
                try output.write(chunk, "cannot write \(temporary.path)")
            }
            guard part.finalize().hexString == entry.sha256 else {
                throw ProctorError(.verification, "segment \(entry.name) in \(parts.path) does not match its SHA-256 in the manifest")
            }
        }
        guard whole.finalize().hexString == manifest.sha256 else {
            throw ProctorError(.verification, "the segments in \(parts.path) do not add up to the bundle the manifest describes")
        }
        try output.sync("cannot flush \(temporary.path)")
    }
}
