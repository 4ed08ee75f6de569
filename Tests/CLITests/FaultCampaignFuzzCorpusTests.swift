import Foundation
import XCTest

/// The fuzz targets, built normally, replay their checked-in seeds and every crash input ever
/// found (Tests/Fixtures/fuzz/NAME) through the same callback libFuzzer drives in `make fuzz`.
final class FaultCampaignFuzzCorpusTests: XCTestCase {
    func testBundleReaderSurvivesItsCorpus() throws {
        let run = try replay("fuzz-bundle-reader")
        // Without the fuzz key the seeds' sealed records would never be decrypted.
        XCTAssertFalse(run.stderr.contains("without a key"), run.stderr)
    }

    func testSettingsParserSurvivesItsCorpus() throws {
        try replay("fuzz-settings")
    }

    func testExamFileVerifierSurvivesItsCorpus() throws {
        try replay("fuzz-exam-file")
    }

    @discardableResult
    private func replay(_ target: String, file: StaticString = #filePath, line: UInt = #line) throws -> ProctorRun {
        let corpus = Campaign.repositoryRoot.appendingPathComponent("Tests/Fixtures/fuzz/\(target)")
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0 != "README.md" }
        XCTAssertGreaterThan(inputs.count, 0, "no seeds for \(target)", file: file, line: line)
        let run = try Campaign.run(Campaign.productsDirectory.appendingPathComponent(target), [corpus.path])
        XCTAssertEqual(run.status, 0, "\(target) crashed on its corpus:\n\(run.stderr)", file: file, line: line)
        XCTAssertEqual(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "replayed \(inputs.count) inputs, no crash",
                       file: file, line: line)
        return run
    }
}
