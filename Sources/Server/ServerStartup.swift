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
        let store = try await openStore(config, logger: logger)
        return try CollectionServer(config: config, store: store, key: key, identity: identity, logger: logger)
    }

    /// The store `[metadata]` names; the PostgreSQL password is read from `environment` or its file here, at start.
    package static func openStore(_ config: ServerConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
                                  logger: Logger) async throws(ProctorError) -> any MetadataStore {
        switch config.metadata {
        case .sqlite:
            do {
                return try await SQLiteStore.open(config.databaseURL, logger: logger)
            } catch {
                throw ProctorError(.unavailable, "cannot open the database \(config.databaseURL.path): \(error)")
            }
        case .postgres(let settings):
            let password = try settings.resolvePassword(environment: environment)
            do {
                let store = try await PostgresStore.open(settings, password: password, logger: logger)
                logger.info("metadata in PostgreSQL", metadata: ["database": "\(settings.redacted)"])
                return store
            } catch {
                throw ProctorError(.unavailable, "cannot open the PostgreSQL database \(settings.redacted): \(PostgresFailure.describe(error))")
            }
        }
    }
}
