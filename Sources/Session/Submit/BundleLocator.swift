import Foundation
import Delivery
import ProctorModel

/// Decides which finished bundle `proctor submit` delivers, finishing the session first when
/// it is still recording or crashed (`ExamSession.finishRunning`): a bundle without its final
/// record would not verify, and the recorder may still be writing to it.
public enum BundleLocator {
    /// `named` is `--bundle`; nil means the session folder (`$PROCTOR_DATA_DIR`, else
    /// `~/.local/share/proctor/sessions`).
    public static func finishedBundle(_ named: URL?, environment: [String: String] = ProcessInfo.processInfo.environment,
                                      finishTimeout: Double = 60) async throws(ProctorError) -> URL {
        if let named {
            // Only bundles recorded on this computer have a state file; a copied bundle is sent as it is.
            guard FileManager.default.fileExists(atPath: named.path + ".state") else { return named }
            return try await ExamSession.finishRunning(named, timeout: finishTimeout)
        }
        let folder = SessionDirectory(environment: environment).url
        do {
            return try await ExamSession.finishRunning(folder, timeout: finishTimeout)
        } catch where error.code == .missingInput {
            // Nothing running or unfinished: deliver the newest bundle (e.g. a second attempt).
            return try newestBundle(in: folder)
        }
    }

    static func newestBundle(in folder: URL) throws(ProctorError) -> URL {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var newest: (url: URL, modified: Date)?
        for name in names where name.hasSuffix(".proctor") && !name.hasPrefix(".") {
            let candidate = folder.appendingPathComponent(name)
            let modified = (try? candidate.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
            if newest.map({ modified > $0.modified }) ?? true { newest = (candidate, modified) }
        }
        guard let newest else {
            throw ProctorError(.missingInput, "no bundle to submit in \(folder.path): pass --bundle PATH, or set \(SessionDirectory.environmentVariable) to the session folder")
        }
        return newest.url
    }
}
