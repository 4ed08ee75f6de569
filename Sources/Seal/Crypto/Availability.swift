internal import CSodium

extension Sodium {
    package static var versionString: String { String(cString: sodium_version_string()) }
}
