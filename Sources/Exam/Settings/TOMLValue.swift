/// A parsed TOML document: the subset docs/exam-settings.md uses (TOML 1.0 without dates).
/// Every value remembers its line, so validation errors can point at it.
struct TOMLValue {
    enum Kind {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    var kind: Kind
    var line: Int

    /// The word used in "must be a ..., got a ..." messages.
    var typeName: String {
        switch kind {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .array: "array"
        case .table: "table"
        }
    }
}

/// A table keeps insertion order (so unknown keys are reported in file order) and how it was
/// made, which decides whether a later `[header]` or dotted key may add to it.
final class TOMLTable {
    enum Origin {
        /// Made by a `[header]` or `[[header]]`.
        case header
        /// Made on the way to a deeper header or by a dotted key; a header may still claim it.
        case implicit
        /// `{ ... }`: complete as written.
        case inline
        /// Created by a dotted key inside its own section: a later `[header]` must not reopen it.
        case dotted
    }

    private(set) var keys: [String] = []
    private(set) var values: [String: TOMLValue] = [:]
    var origin: Origin
    let line: Int

    init(origin: Origin, line: Int) {
        self.origin = origin
        self.line = line
    }

    subscript(key: String) -> TOMLValue? {
        get { values[key] }
        set {
            if values[key] == nil, newValue != nil { keys.append(key) }
            values[key] = newValue
        }
    }
}
