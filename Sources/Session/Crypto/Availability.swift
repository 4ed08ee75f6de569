internal import CSodium

extension Sodium {
    static var versionString: String { String(cString: sodium_version_string()) }
}
