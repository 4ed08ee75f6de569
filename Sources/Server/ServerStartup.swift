import Attest
import Foundation
import Logging
import ProctorModel
import Seal

/// Everything `proctor serve` does before it listens: the data folder, the server key (made on
/// first start when the config names none), the database.
package enum ServerStartup {
    package static func open(_ config: ServerConfig, logger: Logger) async throws -> CollectionServer {
        do {
            try FileManager.default.createDirectory(at: config.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw ProctorError(.permission, "cannot create the data folder \(config.dataDirectory.path): \(error.localizedDescription)")
        }
        let keyURL = config.resolvedKeyFile
        if config.keyFile == nil, !FileManager.default.fileExists(atPath: keyURL.path) {
            let made = try ServerKeyFile.generate(name: "server", in: config.dataDirectory)
            logger.notice("made a server key", metadata: ["file": "\(made.key.path)", "fingerprint": "\(made.identity.fingerprint)"])
        }
        let (key, identity) = try ServerKeyFile.load(keyURL)
        let store: SQLiteStore
        do {
            store = try await SQLiteStore.open(config.databaseURL, logger: logger)
        } catch {
            throw ProctorError(.unavailable, "cannot open the database \(config.databaseURL.path): \(error)")
        }
        return try CollectionServer(config: config, store: store, key: key, identity: identity, logger: logger)
    }
}
