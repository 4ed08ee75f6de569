import XCTest
@testable import Exam

/// The TOML subset the settings use, value by value.
final class SettingsTOMLTests: XCTestCase {
    private func parse(_ text: String) throws -> TOMLTable {
        do { return try TOMLParser.parse(text) } catch { XCTFail("line \(error.line): \(error.message)"); throw error }
    }

    private func failure(_ text: String) -> TOMLParser.Failure? {
        do { _ = try TOMLParser.parse(text); return nil } catch { return error }
    }

    private func string(_ table: TOMLTable, _ key: String) -> String? {
        if case .string(let s)? = table[key]?.kind { s } else { nil }
    }

    private func table(_ table: TOMLTable, _ key: String) -> TOMLTable? {
        if case .table(let t)? = table[key]?.kind { t } else { nil }
    }

    func testStringsInAllFourForms() throws {
        let doc = try parse(#"""
        basic = "tab\there \"q\" \u00e9 \U0001F600"
        literal = 'C:\path\no escapes'
        multi = """
        first line
        second \
            joined"""
        raw = '''
        keeps \n as written
        '''
        quotes = """ends with two quotes"""""
        """#)
        XCTAssertEqual(string(doc, "basic"), "tab\there \"q\" é 😀")
        XCTAssertEqual(string(doc, "literal"), #"C:\path\no escapes"#)
        XCTAssertEqual(string(doc, "multi"), "first line\nsecond joined")
        XCTAssertEqual(string(doc, "raw"), "keeps \\n as written\n")
        XCTAssertEqual(string(doc, "quotes"), "ends with two quotes\"\"")
    }

    func testNumbersBooleansArraysInlineTables() throws {
        let doc = try parse("""
        a = 1_000
        b = -17
        c = 0x1F
        d = 3.5e2
        e = true
        f = [ 1, 2,
              3, # comment inside an array
            ]
        g = { x = 1, "y z" = 'w', n.m = false }
        """)
        guard case .integer(1000)? = doc["a"]?.kind, case .integer(-17)? = doc["b"]?.kind,
              case .integer(31)? = doc["c"]?.kind, case .float(350)? = doc["d"]?.kind,
              case .boolean(true)? = doc["e"]?.kind, case .array(let f)? = doc["f"]?.kind else {
            return XCTFail("scalars parsed wrong: \(doc.keys)")
        }
        XCTAssertEqual(f.count, 3)
        XCTAssertEqual(f[2].line, 7)
        let g = try XCTUnwrap(table(doc, "g"))
        XCTAssertEqual(string(g, "y z"), "w")
        guard case .boolean(false)? = table(g, "n")?["m"]?.kind else { return XCTFail("dotted key in inline table") }
    }

    func testTablesDottedKeysAndArraysOfTables() throws {
        let doc = try parse("""
        # comment
        [recording.camera]
        fps = 15

        [recording]
        screen.fps = 2

        [[accommodation]]
        student = "a"
        [[accommodation]]
        student = "b"
        """)
        let recording = try XCTUnwrap(table(doc, "recording"))
        guard case .integer(15)? = table(recording, "camera")?["fps"]?.kind,
              case .integer(2)? = table(recording, "screen")?["fps"]?.kind else { return XCTFail("nested tables") }
        guard case .array(let list)? = doc["accommodation"]?.kind, list.count == 2,
              case .table(let second) = list[1].kind else { return XCTFail("array of tables") }
        XCTAssertEqual(string(second, "student"), "b")
        XCTAssertEqual(second.line, 10)
    }

    func testErrorsNameTheLine() {
        XCTAssertEqual(failure("a = 1\nb = \"open\n")?.line, 2)
        XCTAssertEqual(failure("a = 1\na = 2")?.message, "a: this key is set twice")
        XCTAssertEqual(failure("[t]\n[t]")?.line, 2)
        XCTAssertEqual(failure("x = 1 2")?.line, 1)
        XCTAssertEqual(failure("\n\nv = bare")?.line, 3)
        XCTAssertEqual(failure("d = 2024-01-01")?.message, "'2024-01-01': dates are not used in proctor settings")
        XCTAssertNotNil(failure("n = 012"), "leading zeros are not TOML")
        XCTAssertNotNil(failure("s = \"bad \\q escape\""))
        XCTAssertNotNil(failure("t = {a = 1}\n[t]"), "an inline table cannot be reopened")
        XCTAssertNotNil(failure("[a]\nb.c = 1\n[a.b]"), "a dotted-key table cannot be reopened by a header")
    }

    /// 5000 levels used to overflow the parser's stack (signal 11); now each form stops at the limit.
    func testDeepNestingIsRefusedWithOneLine() throws {
        let deep = 5000
        let arrays = "x = " + String(repeating: "[", count: deep) + String(repeating: "]", count: deep)
        let tables = "x = " + String(repeating: "{a = ", count: deep) + "1" + String(repeating: "}", count: deep)
        let dotted = (0..<deep).map { "k\($0)" }.joined(separator: ".") + " = 1"
        let header = "[" + (0..<deep).map { "k\($0)" }.joined(separator: ".") + "]"
        XCTAssertEqual(failure(arrays)?.message, "arrays and inline tables are nested more than 32 deep")
        XCTAssertEqual(failure(tables)?.message, "arrays and inline tables are nested more than 32 deep")
        XCTAssertEqual(failure(dotted)?.message, "a dotted key has more than 32 parts")
        XCTAssertEqual(failure(header)?.message, "a dotted key has more than 32 parts")
        XCTAssertEqual(failure(arrays)?.line, 1)
        // The limit is generous for real settings: 32 levels still parse.
        let allowed = "x = " + String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        XCTAssertNotNil(try parse(allowed)["x"])
    }
}
