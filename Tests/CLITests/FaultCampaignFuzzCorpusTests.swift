import Exam
import Foundation
import ProctorModel
import Seal
import XCTest

/// The fuzz targets, built normally, replay their checked-in seeds and every crash input ever
/// found (Tests/Fixtures/fuzz/NAME) through the same callback libFuzzer drives in `make fuzz`.
/// Surviving is not enough: the same inputs, read here in process, must each give what the
/// fuzz target's contract says (a value, or a refusal a person can act on), and the seeds
/// must be the valid files the README says they are, or the fuzzer starts from nothing.
final class FaultCampaignFuzzCorpusTests: XCTestCase {
    func testBundleReaderSurvivesItsCorpus() throws {
        let run = try replay("fuzz-bundle-reader")
        // Without the fuzz key the seeds' sealed records would never be decrypted.
        XCTAssertFalse(run.stderr.contains("without a key"), run.stderr)
    }

    /// Every input is a settings value or a `badData` refusal that names the file and line;
    /// the two seeds parse. Each seed cut after every line is read too (any prefix of a
    /// settings file is one more untrusted input), under the same contract.
    func testSettingsParserSurvivesItsCorpus() throws {
        try replay("fuzz-settings")
        var outcomes: [String: Int] = [:]
        for (name, bytes) in try Self.inputs("fuzz-settings") {
            let text = String(decoding: bytes, as: UTF8.self)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertGreaterThan(lines.count, 2, name)
            if Self.settingsSeeds.contains(name) {
                XCTAssertNoThrow(try ExamSettings.parse(toml: text, fileName: "fuzz.toml", baseDirectory: nil), "seed \(name) must parse")
            }
            while !lines.isEmpty {
                let prefix = lines.joined(separator: "\n")
                do {
                    _ = try ExamSettings.parse(toml: prefix, fileName: "fuzz.toml", baseDirectory: nil)
                    outcomes["parsed", default: 0] += 1
                } catch {
                    XCTAssertEqual(error.code, .badData, "\(name) cut to \(lines.count) lines: \(error.message)")
                    XCTAssertTrue(error.message.hasPrefix("fuzz.toml:"), "located: \(error.message)")
                    outcomes["refused", default: 0] += 1
                }
                lines.removeLast()
            }
        }
        // Whole seeds and long prefixes parse; a prefix cut inside a table or an array does not.
        XCTAssertGreaterThanOrEqual(outcomes["parsed", default: 0], Self.settingsSeeds.count, "\(outcomes)")
        XCTAssertGreaterThan(outcomes["refused", default: 0], 0, "\(outcomes)")
    }

    /// Every input verifies or is refused as edited or unreadable; each seed verifies, is
    /// signed by the fuzz key and carries exactly its settings twin (Tests/Fixtures/fuzz/README.md),
    /// and with any one byte of its signed body changed it is refused as tampered.
    func testExamFileVerifierSurvivesItsCorpus() throws {
        try replay("fuzz-exam-file")
        let signer = try RecipientKey(line: String(contentsOf: Self.corpus("keys").appendingPathComponent("fuzz.pub"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        let twins = Dictionary(uniqueKeysWithValues: try Self.inputs("fuzz-settings"))
        var verified = 0
        for (name, bytes) in try Self.inputs("fuzz-exam-file") {
            let exam: ExamFile
            do {
                exam = try ExamFile.decode(bytes)
                verified += 1
            } catch {
                XCTAssertTrue([.verification, .badData].contains(error.code), "\(name): \(error.code) \(error.message)")
                XCTAssertFalse(Self.examSeeds.contains(name), "seed \(name) must verify: \(error.message)")
                continue
            }
            XCTAssertEqual(exam.signer, signer, name)
            if let twin = twins[name.replacingOccurrences(of: ".exam", with: ".toml")] {
                var expected = try ExamSettings.parse(toml: String(decoding: twin, as: UTF8.self), fileName: "fuzz.toml", baseDirectory: nil)
                if !expected.recipients.contains(signer) { expected.recipients.insert(signer, at: 0) }
                XCTAssertEqual(exam.settings, expected, "\(name) carries its twin's settings")
            }
            let body = (bytes.indices.dropLast().first { bytes[$0] == 10 && bytes[$0 + 1] == 10 } ?? 0) + 2
            for offset in stride(from: body, to: bytes.count, by: max(1, (bytes.count - body) / 64)) {
                var edited = bytes
                edited[offset] ^= 0x20
                XCTAssertThrowsError(try ExamFile.decode(edited), "\(name) edited at byte \(offset)") {
                    XCTAssertEqual(($0 as? ProctorError)?.code, .verification, "\(name) edited at byte \(offset)")
                }
            }
        }
        XCTAssertGreaterThanOrEqual(verified, Self.examSeeds.count)
    }

    /// The seeds the README lists; any other file in a corpus is a regression input.
    static let settingsSeeds: Set = ["chem101-midterm.toml", "minimal.toml"]
    static let examSeeds: Set = ["chem101-midterm.exam", "minimal.exam"]

    static func corpus(_ target: String) -> URL {
        Campaign.repositoryRoot.appendingPathComponent("Tests/Fixtures/fuzz/\(target)")
    }

    /// A corpus's files, by name, in the order the fuzz target replays them.
    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus(target).path).filter { $0 != "README.md" }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: corpus(target).appendingPathComponent($0)))) }
    }

    @discardableResult
    private func replay(_ target: String, file: StaticString = #filePath, line: UInt = #line) throws -> ProctorRun {
        let corpus = Self.corpus(target)
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0 != "README.md" }
        XCTAssertGreaterThan(inputs.count, 0, "no seeds for \(target)", file: file, line: line)
        let run = try Campaign.run(Campaign.productsDirectory.appendingPathComponent(target), [corpus.path])
        XCTAssertEqual(run.status, 0, "\(target) crashed on its corpus:\n\(run.stderr)", file: file, line: line)
        XCTAssertEqual(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "replayed \(inputs.count) inputs, no crash",
                       file: file, line: line)
        return run
    }
}
