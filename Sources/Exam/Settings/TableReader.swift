/// Typed, checked access to one TOML table. Each key read is remembered, so `finish()` can
/// reject every key nobody asked for: a typo must not silently switch a detector off.
/// Errors read `FILE:LINE: dotted.key: what is wrong`.
import ProctorModel

package final class TableReader {
    let table: TOMLTable
    let path: String
    let file: String
    private var used: Set<String> = []

    init(_ table: TOMLTable, path: String, file: String) {
        self.table = table
        self.path = path
        self.file = file
    }

    package func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    package func error(line: Int, key: String, _ message: String) -> ProctorError {
        ProctorError(.badData, "\(file):\(line): \(keyPath(key)): \(message)")
    }

    func error(_ value: TOMLValue, key: String, _ message: String) -> ProctorError {
        error(line: value.line, key: key, message)
    }

    private func value(_ key: String) -> TOMLValue? {
        used.insert(key)
        return table[key]
    }

    package func require<T>(_ key: String, _ read: (String) throws(ProctorError) -> T?) throws(ProctorError) -> T {
        guard let value = try read(key) else {
            throw ProctorError(.badData, "\(file):\(table.line): \(keyPath(key)): is required but missing")
        }
        return value
    }

    package func string(_ key: String) throws(ProctorError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value.kind else { throw error(value, key: key, "must be a string, got a \(value.typeName)") }
        return text
    }

    package func bool(_ key: String) throws(ProctorError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .boolean(let flag) = value.kind else { throw error(value, key: key, "must be true or false, got a \(value.typeName)") }
        return flag
    }

    package func integer(_ key: String, in range: ClosedRange<Int>) throws(ProctorError) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .integer(let number) = value.kind else { throw error(value, key: key, "must be a whole number, got a \(value.typeName)") }
        guard number >= Int64(range.lowerBound), number <= Int64(range.upperBound) else {
            throw error(value, key: key, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return Int(number)
    }

    /// Integers are accepted where a number may have a fraction (`min_seconds = 5`).
    package func number(_ key: String, in range: ClosedRange<Double>) throws(ProctorError) -> Double? {
        guard let value = value(key) else { return nil }
        let number: Double
        switch value.kind {
        case .integer(let whole): number = Double(whole)
        case .float(let real): number = real
        default: throw error(value, key: key, "must be a number, got a \(value.typeName)")
        }
        guard number.isFinite, range.contains(number) else {
            throw error(value, key: key, "must be between \(Self.format(range.lowerBound)) and \(Self.format(range.upperBound)), got \(Self.format(number))")
        }
        return number
    }

    /// Each element is checked by `check`, which gets the element's line for its error.
    package func strings(_ key: String, check: (String, Int) throws(ProctorError) -> Void = { _, _ in }) throws(ProctorError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let elements) = value.kind else { throw error(value, key: key, "must be an array of strings, got a \(value.typeName)") }
        var result: [String] = []
        for element in elements {
            guard case .string(let text) = element.kind else {
                throw error(element, key: key, "must be an array of strings, but holds a \(element.typeName)")
            }
            try check(text, element.line)
            result.append(text)
        }
        return result
    }

    package func table(_ key: String) throws(ProctorError) -> TableReader? {
        guard let value = value(key) else { return nil }
        guard case .table(let child) = value.kind else { throw error(value, key: key, "must be a table, got a \(value.typeName)") }
        return TableReader(child, path: keyPath(key), file: file)
    }

    /// `[[key]]` arrays of tables.
    package func tables(_ key: String) throws(ProctorError) -> [TableReader] {
        guard let value = value(key) else { return [] }
        guard case .array(let elements) = value.kind else { throw error(value, key: key, "must be written as [[\(keyPath(key))]] tables") }
        var readers: [TableReader] = []
        for (index, element) in elements.enumerated() {
            guard case .table(let child) = element.kind else { throw error(element, key: key, "must be written as [[\(keyPath(key))]] tables") }
            readers.append(TableReader(child, path: "\(keyPath(key))[\(index + 1)]", file: file))
        }
        return readers
    }

    /// Every key of this table (for tables keyed by name, like `[detectors.*]`).
    package var keys: [String] { table.keys }

    package func line(of key: String) -> Int { table[key]?.line ?? table.line }

    /// Rejects keys that were never read, naming the first one and the keys that are allowed.
    package func finish() throws(ProctorError) {
        for key in table.keys where !used.contains(key) {
            let known = used.sorted().joined(separator: ", ")
            throw error(line: line(of: key), key: key, "unknown key" + (known.isEmpty ? "" : " (allowed here: \(known))"))
        }
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}

extension TableReader {
    /// The root table of a TOML document, for other configuration files than exam settings
    /// (`proctor serve --config`): the same parser, the same errors (`FILE:LINE: key: ...`).
    package static func root(toml text: String, fileName: String) throws(ProctorError) -> TableReader {
        do {
            return TableReader(try TOMLParser.parse(text), path: "", file: fileName)
        } catch {
            throw ProctorError(.badData, "\(fileName):\(error.line): \(error.message)")
        }
    }
}
