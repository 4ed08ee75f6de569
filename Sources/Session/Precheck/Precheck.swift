/// Runs the registered checks and decides readiness.
public struct PrecheckReport: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        public var id: String
        public var title: String
        public var result: PrecheckResult

        private enum CodingKeys: String, CodingKey { case id, title, status, message, hint }

        init(id: String, title: String, result: PrecheckResult) {
            self.id = id
            self.title = title
            self.result = result
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            title = try container.decode(String.self, forKey: .title)
            result = PrecheckResult(try container.decode(PrecheckResult.Status.self, forKey: .status),
                                    try container.decode(String.self, forKey: .message),
                                    hint: try container.decodeIfPresent(String.self, forKey: .hint))
        }

        /// Flat, so `jq '.checks[] | select(.status == "fail")'` reads naturally.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(title, forKey: .title)
            try container.encode(result.status, forKey: .status)
            try container.encode(result.message, forKey: .message)
            try container.encodeIfPresent(result.hint, forKey: .hint)
        }
    }

    public var ready: Bool
    public var headless: Bool
    public var checks: [Entry]
}

public enum Precheck {
    public static func run(_ context: PrecheckContext, checks: [any PrecheckCheck] = PrecheckRegistry.checks) -> PrecheckReport {
        let selected = checks.filter { check in
            switch check.mode {
            case .always: true
            case .device: !context.headless
            case .headless: context.headless
            }
        }
        let entries = selected.map { PrecheckReport.Entry(id: $0.id, title: $0.title, result: $0.run(context)) }
        return PrecheckReport(ready: !entries.contains { $0.result.status == .fail }, headless: context.headless, checks: entries)
    }
}
