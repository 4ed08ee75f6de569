/// Everything a detector can fail with. A detector that cannot *see* does not fail: it
/// reports reduced coverage in the timeline instead.
public struct DetectError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Raw: String, Sendable { case usage, missingModel, badData, library }
        let raw: Raw
        public static let usage = Code(raw: .usage)
        /// A model file (dlib's landmark predictor) is not installed.
        public static let missingModel = Code(raw: .missingModel)
        public static let badData = Code(raw: .badData)
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
