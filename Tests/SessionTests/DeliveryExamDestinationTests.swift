import Foundation
import XCTest
@testable import Delivery
@testable import Exam
@testable import ProctorModel
@testable import Seal

final class DeliveryExamDestinationTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("exam-dest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    private func writeExam(submission: String?) throws -> URL {
        var settings = try ExamSettings.load(settings: SettingsTests.exampleURL)
        settings.submission = submission
        let url = directory.appendingPathComponent("\(settings.id).exam")
        try Data(try ExamFile.encode(settings, signedBy: try InstructorIdentity.generate(name: "dr-ada"))).write(to: url)
        return url
    }

    func testTheSignedExamNamesTheDestination() throws {
        let exam = try writeExam(submission: "https://uploads.example.edu/proctor/chem101/")
        XCTAssertEqual(try DeliveryDestination.forExam(exam.path), .webFolder(URL(string: "https://uploads.example.edu/proctor/chem101/")!))
        // Looked up by id too, the way a student types it.
        let byId = try DeliveryDestination.forExam("chem101-midterm", environment: ["PROCTOR_EXAM_DIR": directory.path])
        XCTAssertEqual(byId, .webFolder(URL(string: "https://uploads.example.edu/proctor/chem101/")!))
    }

    func testAnExamWithoutSubmissionNeedsTo() throws {
        let exam = try writeExam(submission: nil)
        XCTAssertThrowsError(try DeliveryDestination.forExam(exam.path)) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .usage)
            XCTAssertTrue((error as? ProctorError)?.message.contains("--to") ?? false)
        }
    }

    func testAnEditedExamIsNotTrustedForTheDestination() throws {
        let exam = try writeExam(submission: "https://uploads.example.edu/proctor/chem101/")
        var bytes = try Data(contentsOf: exam)
        let text = String(decoding: bytes, as: UTF8.self)
        let range = try XCTUnwrap(text.range(of: "uploads.example.edu"))
        let offset = text.utf8.distance(from: text.startIndex, to: range.lowerBound)
        bytes.replaceSubrange(offset..<(offset + 7), with: Data("evilsrv".utf8))
        try bytes.write(to: exam)
        XCTAssertThrowsError(try DeliveryDestination.forExam(exam.path)) { error in
            XCTAssertEqual((error as? ProctorError)?.code, .verification)
        }
    }
}
