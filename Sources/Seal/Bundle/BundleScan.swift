import Foundation
import ProctorModel

/// A keyless pass over a bundle that is to be resumed.
struct BundleScan {
    let header: BundleHeader
    let manifest: BundleManifest
    let validLength: Int
    private let reader: BundleReader

    init(url: URL) throws(ProctorError) {
        let reader: BundleReader
        do { reader = try BundleReader(source: FileSource(path: url.path), key: nil) } catch let error as BundleFailure {
            throw error.sessionError
        } catch let error as ProctorError {
            throw error
        } catch {
            throw ProctorError(.io, "could not read \(url.path): \(error)")
        }
        let result = reader.verify()
        if let failure = result.failure {
            throw ProctorError(.verification, "cannot resume a damaged bundle: \(failure.description)")
        }
        guard !result.isFinished else { throw ProctorError(.usage, "this bundle is already finished; nothing to resume") }
        header = reader.header
        manifest = reader.observedManifest
        validLength = reader.validLength
        self.reader = reader
    }

    func takeHasher() -> SHA256.Incremental { reader.hasherCopy() }
}
