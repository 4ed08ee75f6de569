/// Everything capture, encoding and muxing can fail with.
public struct EncodeError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Raw: String, Sendable { case usage, badData, missingInput, deviceUnavailable, deviceBusy, io, unsupported, library }
        let raw: Raw
        /// A source spec or parameter the caller gave makes no sense.
        public static let usage = Code(raw: .usage)
        /// A media file or stream is corrupt or not what it claims to be.
        public static let badData = Code(raw: .badData)
        /// A file named as a source does not exist.
        public static let missingInput = Code(raw: .missingInput)
        /// A camera, microphone or display is not there.
        public static let deviceUnavailable = Code(raw: .deviceUnavailable)
        /// A device exists but another program holds it.
        public static let deviceBusy = Code(raw: .deviceBusy)
        /// Writing encoded data failed.
        public static let io = Code(raw: .io)
        /// The codec, format or pixel format is not available in this FFmpeg build.
        public static let unsupported = Code(raw: .unsupported)
        /// Any other failure inside FFmpeg or ALSA.
        public static let library = Code(raw: .library)
        public var description: String { raw.rawValue }
    }

    public let code: Code
    public let message: String
    public let detail: String?

    public init(_ code: Code, _ message: String, detail: String? = nil) {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var description: String { message }
}
