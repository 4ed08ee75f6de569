/// Everything proctor can fail with, in every module: a stable code, a sentence a student or an
/// instructor can act on, and the underlying library detail when there is one. One shape for
/// all modules, so the CLI maps codes to exit statuses in one place (docs/cli.md).
public struct ProctorError: Error, CustomStringConvertible, Sendable {
    /// A struct over an internal enum, so new codes can be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Raw: String, Sendable {
            case usage, badData, verification, missingInput, unavailable, deviceUnavailable, deviceBusy
            case io, key, permission, unsupported, library, missingModel, internalFailure
        }
        let raw: Raw
        /// The caller asked for something impossible (bad flag combination, bad value, a source
        /// spec that makes no sense).
        public static let usage = Code(raw: .usage)
        /// A settings file, exam file, bundle or media stream is malformed.
        public static let badData = Code(raw: .badData)
        /// A signature or authentication tag does not match: something was edited.
        public static let verification = Code(raw: .verification)
        /// A file or exam the caller named does not exist.
        public static let missingInput = Code(raw: .missingInput)
        /// A service or destination is not available or not ready.
        public static let unavailable = Code(raw: .unavailable)
        /// A camera, microphone or display is not there.
        public static let deviceUnavailable = Code(raw: .deviceUnavailable)
        /// A device exists but another program holds it.
        public static let deviceBusy = Code(raw: .deviceBusy)
        /// Reading or writing failed (disk full, permissions on a folder, network).
        public static let io = Code(raw: .io)
        /// Wrong passphrase, wrong key, or data not sealed for this key.
        public static let key = Code(raw: .key)
        /// The operating system refused access.
        public static let permission = Code(raw: .permission)
        /// The codec, format or pixel format is not available in this build of a library.
        public static let unsupported = Code(raw: .unsupported)
        /// Any other failure inside a C library (FFmpeg, ALSA, dlib).
        public static let library = Code(raw: .library)
        /// A model file (dlib's landmark predictor) is not installed.
        public static let missingModel = Code(raw: .missingModel)
        /// A bug in proctor rather than in its input.
        public static let internalFailure = Code(raw: .internalFailure)
        public var description: String { raw.rawValue }
    }

    public let code: Code
    public let message: String
    /// Library-level detail (a C return code and its message), shown with --verbose.
    public let detail: String?
    /// The raw C code behind the failure when there is one: an errno, an AVERROR, an ALSA
    /// error. Callers decide on this (e.g. retry on EBUSY), never on the message text.
    public let underlying: Int32?

    public init(_ code: Code, _ message: String, detail: String? = nil, underlying: Int32? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
        self.underlying = underlying
    }

    public var description: String { message }
}
