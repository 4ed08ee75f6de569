/// A small TOML 1.0 parser: tables, arrays of tables, dotted and quoted keys, all four string
/// forms, integers (decimal, hex, octal, binary), floats, booleans, arrays and inline tables.
/// Dates are rejected with a clear message because no setting uses them.
struct TOMLParser {
    struct Failure: Error {
        let line: Int
        let message: String
    }

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private let root = TOMLTable(origin: .header, line: 1)
    private var current: TOMLTable
    /// Tables defined by headers, by full dotted path, to reject `[a]` twice.
    private var definedHeaders: Set<[String]> = []
    /// Arrays and inline tables open around the value being parsed.
    private var depth = 0
    /// Settings nest three levels at most; a file nested thousands deep (a fuzzer's, or an
    /// attacker's) would otherwise overflow the stack of this recursive-descent parser.
    static let maximumDepth = 32

    static func parse(_ text: String) throws(Failure) -> TOMLTable {
        var parser = TOMLParser(bytes: Array(text.utf8))
        try parser.parseDocument()
        return parser.root
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
        self.current = root
    }

    // MARK: Document structure

    private mutating func parseDocument() throws(Failure) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        while true {
            skipWhitespace()
            guard let byte = peek() else { return }
            switch byte {
            case UInt8(ascii: "#"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                try endOfLine()
            case UInt8(ascii: "["):
                try parseHeader()
                try endOfLine()
            default:
                try parseKeyValue(into: current)
                try endOfLine()
            }
        }
    }

    private mutating func parseHeader() throws(Failure) {
        let headerLine = line
        position += 1
        let isArray = peek() == UInt8(ascii: "[")
        if isArray { position += 1 }
        skipWhitespace()
        let path = try parseKey()
        skipWhitespace()
        try expect("]", "a table header must end with ']'")
        if isArray { try expect("]", "an array-of-tables header must end with ']]'") }
        let name = path.joined(separator: ".")

        var table = root
        for (index, key) in path.dropLast().enumerated() {
            table = try descend(table, key, path: path[...index], line: headerLine, forHeader: true)
        }
        let last = path[path.count - 1]
        if isArray {
            let element = TOMLTable(origin: .header, line: headerLine)
            switch table[last]?.kind {
            case nil:
                table[last] = TOMLValue(kind: .array([TOMLValue(kind: .table(element), line: headerLine)]), line: headerLine)
            case .array(var elements)? where elements.allSatisfy({ if case .table(let t) = $0.kind { t.origin == .header } else { false } }):
                elements.append(TOMLValue(kind: .table(element), line: headerLine))
                table[last] = TOMLValue(kind: .array(elements), line: table[last]!.line)
            default:
                throw Failure(line: headerLine, message: "[[\(name)]]: '\(name)' is already defined as something else")
            }
            current = element
        } else {
            guard !definedHeaders.contains(path) else {
                throw Failure(line: headerLine, message: "[\(name)]: this table is defined twice")
            }
            switch table[last]?.kind {
            case nil:
                let created = TOMLTable(origin: .header, line: headerLine)
                table[last] = TOMLValue(kind: .table(created), line: headerLine)
                current = created
            case .table(let existing)? where existing.origin == .implicit:
                existing.origin = .header
                current = existing
            default:
                throw Failure(line: headerLine, message: "[\(name)]: '\(name)' is already defined")
            }
            definedHeaders.insert(path)
        }
    }

    /// Steps into `table[key]`, creating an implicit table; for headers, the last element of
    /// an array of tables is the one extended, as TOML specifies.
    private func descend(_ table: TOMLTable, _ key: String, path: ArraySlice<String>, line: Int, forHeader: Bool) throws(Failure) -> TOMLTable {
        let name = path.joined(separator: ".")
        switch table[key]?.kind {
        case nil:
            let created = TOMLTable(origin: forHeader ? .implicit : .dotted, line: line)
            table[key] = TOMLValue(kind: .table(created), line: line)
            return created
        case .table(let existing)?:
            if existing.origin == .inline {
                throw Failure(line: line, message: "\(name): an inline table cannot be extended")
            }
            if !forHeader && existing.origin == .header {
                throw Failure(line: line, message: "\(name): this table was defined by a header; add keys under it instead")
            }
            return existing
        case .array(let elements)? where forHeader:
            guard case .table(let last)? = elements.last?.kind, last.origin == .header else {
                throw Failure(line: line, message: "\(name): is an array of values, not of tables")
            }
            return last
        default:
            throw Failure(line: line, message: "\(name): is already a value, not a table")
        }
    }

    private mutating func parseKeyValue(into table: TOMLTable) throws(Failure) {
        let keyLine = line
        let path = try parseKey()
        skipWhitespace()
        try expect("=", "\(path.joined(separator: ".")): expected '=' after the key")
        skipWhitespace()
        let value = try parseValue()
        var target = table
        for (index, key) in path.dropLast().enumerated() {
            target = try descend(target, key, path: path[...index], line: keyLine, forHeader: false)
        }
        let last = path[path.count - 1]
        guard target[last] == nil else {
            throw Failure(line: keyLine, message: "\(path.joined(separator: ".")): this key is set twice")
        }
        target[last] = value
    }

    // MARK: Keys

    private mutating func parseKey() throws(Failure) -> [String] {
        var path: [String] = []
        while true {
            skipWhitespace()
            guard let byte = peek() else { throw Failure(line: line, message: "expected a key at the end of the file") }
            if byte == UInt8(ascii: "\"") {
                position += 1
                path.append(try parseBasicString())
            } else if byte == UInt8(ascii: "'") {
                position += 1
                path.append(try parseLiteralString())
            } else {
                let start = position
                while let b = peek(), Self.isBareKeyByte(b) { position += 1 }
                guard position > start else {
                    throw Failure(line: line, message: "expected a key, found '\(Self.describe(byte))'")
                }
                path.append(String(decoding: bytes[start..<position], as: UTF8.self))
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ".") else { return path }
            // Each dotted part is a nested table, freed recursively: the same limit applies.
            guard path.count < Self.maximumDepth else {
                throw Failure(line: line, message: "a dotted key has more than \(Self.maximumDepth) parts")
            }
            position += 1
        }
    }

    private static func isBareKeyByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39)
            || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
    }

    // MARK: Values

    private mutating func parseValue() throws(Failure) -> TOMLValue {
        let valueLine = line
        guard let byte = peek() else { throw Failure(line: line, message: "expected a value at the end of the file") }
        switch byte {
        case UInt8(ascii: "\""):
            if lookingAt("\"\"\"") {
                position += 3
                return TOMLValue(kind: .string(try parseMultilineBasicString()), line: valueLine)
            }
            position += 1
            return TOMLValue(kind: .string(try parseBasicString()), line: valueLine)
        case UInt8(ascii: "'"):
            if lookingAt("'''") {
                position += 3
                return TOMLValue(kind: .string(try parseMultilineLiteralString()), line: valueLine)
            }
            position += 1
            return TOMLValue(kind: .string(try parseLiteralString()), line: valueLine)
        case UInt8(ascii: "["):
            position += 1
            try enterNesting()
            defer { depth -= 1 }
            return TOMLValue(kind: .array(try parseArray()), line: valueLine)
        case UInt8(ascii: "{"):
            position += 1
            try enterNesting()
            defer { depth -= 1 }
            return TOMLValue(kind: .table(try parseInlineTable()), line: valueLine)
        case UInt8(ascii: "t") where lookingAt("true"):
            position += 4
            return TOMLValue(kind: .boolean(true), line: valueLine)
        case UInt8(ascii: "f") where lookingAt("false"):
            position += 5
            return TOMLValue(kind: .boolean(false), line: valueLine)
        default:
            return TOMLValue(kind: try parseNumber(), line: valueLine)
        }
    }

    private mutating func enterNesting() throws(Failure) {
        guard depth < Self.maximumDepth else {
            throw Failure(line: line, message: "arrays and inline tables are nested more than \(Self.maximumDepth) deep")
        }
        depth += 1
    }

    private mutating func parseArray() throws(Failure) -> [TOMLValue] {
        var elements: [TOMLValue] = []
        while true {
            try skipWhitespaceCommentsAndNewlines()
            if peek() == UInt8(ascii: "]") { position += 1; return elements }
            elements.append(try parseValue())
            try skipWhitespaceCommentsAndNewlines()
            switch peek() {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "]")?: position += 1; return elements
            default: throw Failure(line: line, message: "expected ',' or ']' in an array")
            }
        }
    }

    private mutating func parseInlineTable() throws(Failure) -> TOMLTable {
        let table = TOMLTable(origin: .inline, line: line)
        skipWhitespace()
        if peek() == UInt8(ascii: "}") { position += 1; return table }
        while true {
            skipWhitespace()
            try parseKeyValue(into: table)
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ",")?: position += 1
            case UInt8(ascii: "}")?: position += 1; return table
            default: throw Failure(line: line, message: "expected ',' or '}' in an inline table (it must fit on one line)")
            }
        }
    }

    private mutating func parseNumber() throws(Failure) -> TOMLValue.Kind {
        let start = position
        while let b = peek(), !Self.endsValue(b) { position += 1 }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard !text.isEmpty else { throw Failure(line: line, message: "expected a value") }
        switch text {
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        let invalid = Failure(line: line, message: "'\(text)' is not a valid value (strings need quotes)")
        if text.count >= 10, text.dropFirst(4).first == "-", text.prefix(4).allSatisfy(\.isNumber) {
            throw Failure(line: line, message: "'\(text)': dates are not used in proctor settings")
        }
        var digits = text
        guard !digits.hasPrefix("_"), !digits.hasSuffix("_"), !digits.contains("__") else { throw invalid }
        digits.removeAll { $0 == "_" }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
            guard let value = Int64(digits.dropFirst(2), radix: radix) else { throw invalid }
            return .integer(value)
        }
        let unsigned = digits.hasPrefix("+") || digits.hasPrefix("-") ? digits.dropFirst() : Substring(digits)
        // TOML forbids leading zeros, which other parsers would read as octal.
        if unsigned.count > 1, unsigned.hasPrefix("0"), unsigned.dropFirst().first?.isNumber == true { throw invalid }
        if unsigned.allSatisfy(\.isNumber), !unsigned.isEmpty {
            guard let value = Int64(digits) else {
                throw Failure(line: line, message: "'\(text)' does not fit in a 64-bit integer")
            }
            return .integer(value)
        }
        guard unsigned.first?.isNumber == true, unsigned.last?.isNumber == true, !unsigned.contains(".e"),
              !unsigned.contains(".E"), let value = Double(digits) else { throw invalid }
        return .float(value)
    }

    private static func endsValue(_ b: UInt8) -> Bool {
        b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")
            || b == UInt8(ascii: "#") || b == UInt8(ascii: ",") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}")
    }

    // MARK: Strings

    private mutating func parseBasicString() throws(Failure) -> String {
        var out: [UInt8] = []
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else {
                throw Failure(line: line, message: "a string is not closed before the end of the line")
            }
            position += 1
            switch byte {
            case UInt8(ascii: "\""): return try string(out)
            case UInt8(ascii: "\\"): try parseEscape(into: &out)
            default:
                try checkControl(byte)
                out.append(byte)
            }
        }
    }

    private mutating func parseMultilineBasicString() throws(Failure) -> String {
        skipNewlineAfterOpening()
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else { throw Failure(line: line, message: "a \"\"\" string is not closed") }
            if lookingAt("\"\"\"") {
                position += 3
                // Quotes right before the closing delimiter belong to the text ("""a"""" is a").
                while peek() == UInt8(ascii: "\"") { out.append(byte); position += 1 }
                return try string(out)
            }
            position += 1
            if byte == UInt8(ascii: "\\") {
                if let after = lineEndingBackslash() {
                    position = after
                    continue
                }
                try parseEscape(into: &out)
            } else {
                if byte == UInt8(ascii: "\n") { line += 1 } else if byte != UInt8(ascii: "\r") { try checkControl(byte) }
                out.append(byte)
            }
        }
    }

    private mutating func parseLiteralString() throws(Failure) -> String {
        let start = position
        while true {
            guard let byte = peek(), byte != UInt8(ascii: "\n") else {
                throw Failure(line: line, message: "a string is not closed before the end of the line")
            }
            position += 1
            if byte == UInt8(ascii: "'") { return try string(Array(bytes[start..<position - 1])) }
            try checkControl(byte)
        }
    }

    private mutating func parseMultilineLiteralString() throws(Failure) -> String {
        skipNewlineAfterOpening()
        let start = position
        while true {
            guard let byte = peek() else { throw Failure(line: line, message: "a ''' string is not closed") }
            if lookingAt("'''") {
                var end = position
                position += 3
                while peek() == UInt8(ascii: "'") { position += 1; end += 1 }
                return try string(Array(bytes[start..<end]))
            }
            if byte == UInt8(ascii: "\n") { line += 1 }
            position += 1
        }
    }

    /// A backslash that ends a line in a """ string swallows the newline and the indentation
    /// that follows; returns where the text continues.
    private mutating func lineEndingBackslash() -> Int? {
        var probe = position
        while probe < bytes.count, bytes[probe] == UInt8(ascii: " ") || bytes[probe] == UInt8(ascii: "\t") { probe += 1 }
        guard probe < bytes.count, bytes[probe] == UInt8(ascii: "\n") || bytes[probe] == UInt8(ascii: "\r") else { return nil }
        while probe < bytes.count, [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains(bytes[probe]) {
            if bytes[probe] == UInt8(ascii: "\n") { line += 1 }
            probe += 1
        }
        return probe
    }

    private mutating func skipNewlineAfterOpening() {
        if lookingAt("\r\n") { position += 2; line += 1 } else if peek() == UInt8(ascii: "\n") { position += 1; line += 1 }
    }

    private mutating func parseEscape(into out: inout [UInt8]) throws(Failure) {
        guard let escape = peek() else { throw Failure(line: line, message: "a string ends in the middle of an escape") }
        position += 1
        switch escape {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let length = escape == UInt8(ascii: "u") ? 4 : 8
            guard position + length <= bytes.count,
                  let scalarValue = UInt32(String(decoding: bytes[position..<position + length], as: UTF8.self), radix: 16),
                  let scalar = Unicode.Scalar(scalarValue) else {
                throw Failure(line: line, message: "\\\(Self.describe(escape)) must be followed by \(length) hex digits of a valid character")
            }
            position += length
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw Failure(line: line, message: "'\\\(Self.describe(escape))' is not a TOML escape (write '\\\\' for a backslash)")
        }
    }

    private func checkControl(_ byte: UInt8) throws(Failure) {
        if (byte < 0x20 && byte != 0x09) || byte == 0x7F {
            throw Failure(line: line, message: "a string contains a control character; use an escape such as \\n")
        }
    }

    private func string(_ utf8: [UInt8]) throws(Failure) -> String {
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw Failure(line: line, message: "a string is not valid UTF-8")
        }
        return text
    }

    // MARK: Low level

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private func lookingAt(_ text: StaticString) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        return text.withUTF8Buffer { Array($0) == Array(bytes[position..<position + count]) }
    }

    private mutating func expect(_ character: Unicode.Scalar, _ message: String) throws(Failure) {
        guard peek() == UInt8(ascii: character) else { throw Failure(line: line, message: message) }
        position += 1
    }

    private mutating func skipWhitespace() {
        while let b = peek(), b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { position += 1 }
    }

    private mutating func skipComment() {
        guard peek() == UInt8(ascii: "#") else { return }
        while let b = peek(), b != UInt8(ascii: "\n") { position += 1 }
    }

    private mutating func skipWhitespaceCommentsAndNewlines() throws(Failure) {
        while true {
            skipWhitespace()
            skipComment()
            if lookingAt("\r\n") { position += 2; line += 1 } else if peek() == UInt8(ascii: "\n") { position += 1; line += 1 } else { return }
        }
    }

    /// After a header or key/value only a comment may follow on the same line.
    private mutating func endOfLine() throws(Failure) {
        skipWhitespace()
        skipComment()
        if lookingAt("\r\n") { position += 2 } else if peek() == UInt8(ascii: "\n") { position += 1 } else if peek() != nil {
            throw Failure(line: line, message: "unexpected '\(Self.describe(peek()!))' after a value; put one key = value per line")
        } else { return }
        line += 1
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? String(UnicodeScalar(byte)) : "byte 0x" + String(byte, radix: 16)
    }
}
