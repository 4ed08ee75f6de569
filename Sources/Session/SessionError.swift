/// Everything the Session module can fail with: a stable code, a sentence a student or an
/// instructor can act on, and the underlying library detail when there is one.
public struct SessionError: Error, CustomStringConvertible, Sendable {
    /// A struct over an internal enum, so new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Raw: String, Sendable { case usage, badData, verification, missingInput, unavailable, io, key, permission, internalFailure }
        let raw: Raw
        /// The caller asked for something impossible (bad flag combination, bad value).
        public static let usage = Code(raw: .usage)
        /// A settings file, exam file or bundle is malformed.
        public static let badData = Code(raw: .badData)
        /// A signature or authentication tag does not match: something was edited.
        public static let verification = Code(raw: .verification)
        /// A file or exam the caller named does not exist.
        public static let missingInput = Code(raw: .missingInput)
        /// A device, service or destination is not available or not ready.
        public static let unavailable = Code(raw: .unavailable)
        /// Reading or writing failed (disk full, permissions on a folder, network).
        public static let io = Code(raw: .io)
        /// Wrong passphrase, wrong key, or data not sealed for this key.
        public static let key = Code(raw: .key)
        /// The operating system refused access.
        public static let permission = Code(raw: .permission)
        /// A bug in proctor rather than in its input.
        public static let internalFailure = Code(raw: .internalFailure)
        public var description: String { raw.rawValue }
    }

    public let code: Code
    public let message: String
    /// Library-level detail (a C return code and its message), shown with --verbose.
    public let detail: String?

    public init(_ code: Code, _ message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { message }
}
