internal import CSodium

extension Sodium {
    /// libsodium's AES-256-GCM needs the CPU's AES-NI and CLMUL instructions; without them
    /// it is unavailable (not slow), so precheck must say so before an exam starts.
    static var aes256gcmAvailable: Bool {
        (try? ensureInitialised()) != nil && crypto_aead_aes256gcm_is_available() == 1
    }

    static var versionString: String { String(cString: sodium_version_string()) }
}
