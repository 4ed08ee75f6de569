import Foundation
import XCTest
@testable import Delivery
@testable import Report

/// JSON and CSV reports and the class overview, checked field by field against the sample model.
final class ExportDataTests: XCTestCase {
    func testJSONCarriesSummaryAndFullTimeline() throws {
        let model = try ExportFixtures.sampleModel()
        let data = try ReportJSON.encode(model, standing: ClassStanding(rank: 2, classSize: 5, zScore: 0.5, percentile: 70))
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(json["schema"] as? String, "proctor.report/1")
        XCTAssertEqual((json["student"] as? [String: Any])?["id"] as? String, "s1234567")
        XCTAssertEqual(json["startedAt"] as? String, "2026-11-18T11:06:40Z")
        XCTAssertEqual(json["durationSeconds"] as? Double, 2400)
        let integrity = try XCTUnwrap(json["integrity"] as? [String: Any])
        XCTAssertEqual(integrity["verified"] as? Bool, true)
        XCTAssertEqual(integrity["recordsVerified"] as? Int, 812)
        let suspicion = try XCTUnwrap(json["suspicion"] as? [String: Any])
        XCTAssertEqual(suspicion["score"] as? Double, 42)
        XCTAssertEqual(suspicion["flaggedEvents"] as? Int, 3)
        XCTAssertEqual(try XCTUnwrap(suspicion["flaggedMinutes"] as? Double), (15.6 + 12 + 2.5) / 60, accuracy: 1e-9)
        let gaps = try XCTUnwrap(json["gaps"] as? [[String: Any]])
        XCTAssertEqual(gaps.first?["seconds"] as? Double, 300)
        let timeline = try XCTUnwrap(json["timeline"] as? [[String: Any]])
        XCTAssertEqual(timeline.map { $0["kind"] as? String },
                       ["session.start", "light.insufficient", "face.missing", "voice.detected", "face.multiple"])
        XCTAssertEqual(timeline[2]["start"] as? Double, 754.2)
        XCTAssertEqual(try XCTUnwrap(timeline[2]["duration"] as? Double), 15.6, accuracy: 1e-9)
        XCTAssertEqual((timeline[2]["evidence"] as? [[String: Any]])?.map { $0["source"] as? String }, ["camera", "screen"])
        XCTAssertEqual((timeline[2]["thresholds"] as? [String: Double])?["seconds"], 5)
        XCTAssertEqual((json["classStanding"] as? [String: Any])?["rank"] as? Int, 2)
        XCTAssertFalse(String(decoding: data, as: UTF8.self).contains("jpeg"), "no image bytes in the JSON")
    }

    func testCSVHasOneQuotedRowPerEvent() throws {
        var model = try ExportFixtures.sampleModel()
        model.timeline[4].message = "Two faces, one \"helper\", were visible."
        let csv = ReportCSV.document([model])
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(lines.count, 1 + 5)
        XCTAssertEqual(lines[0], ReportCSV.header.joined(separator: ","))
        XCTAssertEqual(lines[3], "s1234567,math101-final,2,face.missing,faces,flag,754.2,769.8,15.6,0:12:34.2,0.9,"
                       + "faces=0;seconds=15.6,seconds=5,,No face was visible for 15.6 s.,true,false,false,false,false")
        XCTAssertTrue(lines[5].contains(",\"Two faces, one \"\"helper\"\", were visible.\",true"), lines[5])
        XCTAssertEqual(ReportCSV.number(1e-7), "0")
        XCTAssertEqual(ReportCSV.number(2100.5), "2100.5")
    }

    func testClassStandingAgainstHandComputedValues() {
        let standings = ClassStanding.compute([10, 40, 20, 30, 40])
        // mean 28, population sd sqrt((324+144+64+4+144)/5) = sqrt(136)
        XCTAssertEqual(standings.map(\.rank), [5, 1, 4, 3, 1])
        XCTAssertEqual(standings[1].zScore!, 12 / 136.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(standings[0].zScore!, -18 / 136.0.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(standings.map(\.percentile), [10, 80, 30, 50, 80])
        XCTAssertNil(ClassStanding.compute([5, 5, 5])[0].zScore, "no spread, no z-score")
        XCTAssertNil(ClassStanding.compute([1, 9])[0].zScore, "two students are not a distribution")
    }

    func testClassOverviewSortsBySuspicionAndReferencesPages() throws {
        let dir = try ExportFixtures.temporaryDirectory(for: self)
        let failed = ReportModel.Integrity(verified: false, recordsVerified: 10, recordsRejected: 1, problems: ["record 11 failed"])
        let entries = [
            ClassOverview.Entry(try ExportFixtures.sampleModel(student: "s-low", score: 5), reportFile: "s-low.pdf",
                                pages: .init(count: 3, flaggedEvents: 2)),
            ClassOverview.Entry(try ExportFixtures.sampleModel(student: "s-high", score: 80, integrity: failed),
                                reportFile: "s-high.pdf", pages: .init(count: 4, flaggedEvents: 2)),
            ClassOverview.Entry(try ExportFixtures.sampleModel(student: "s-mid", score: 30), reportFile: "s-mid.pdf",
                                pages: .init(count: 3, flaggedEvents: 2)),
        ]
        let overview = ClassOverview(entries)
        XCTAssertEqual(overview.rows.map(\.entry.student.id), ["s-high", "s-mid", "s-low"])
        let path = dir.appendingPathComponent("class-overview.pdf").path
        try overview.write(to: path)
        let text = try Tool.pdfText(path)
        let high = try XCTUnwrap(text.range(of: "s-high")), mid = try XCTUnwrap(text.range(of: "s-mid")),
            low = try XCTUnwrap(text.range(of: "s-low"))
        XCTAssertTrue(high.lowerBound < mid.lowerBound && mid.lowerBound < low.lowerBound, text)
        XCTAssertTrue(text.contains("INTEGRITY FAILED for 1 session(s)"))
        XCTAssertTrue(text.contains("FAILED"))
        XCTAssertTrue(text.contains("s-high.pdf (4 pp.), flags p. 2"), text)
        XCTAssertTrue(text.contains("+1.34"), "z of 80 in {5, 30, 80}: \(text)")
        XCTAssertEqual(try Tool.pdfInfo(path)["Pages"], "1")
    }
}

/// Which bundles purge deletes, against the exam's own retention.
final class RetentionPlanTests: XCTestCase {
    func testExamRetentionDecidesAndUnknownRetentionKeeps() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        func candidate(_ name: String, exam: String, daysAgo: Double) -> RetentionPlan.Candidate {
            .init(url: URL(fileURLWithPath: "/b/\(name)"), studentID: name, examID: exam, startedAt: now.addingTimeInterval(-daysAgo * 86_400))
        }
        var lookups: [String] = []
        let plan = RetentionPlan([candidate("a", exam: "math", daysAgo: 31), candidate("b", exam: "math", daysAgo: 29.5),
                                  candidate("c", exam: "lost", daysAgo: 400)], olderThan: nil, now: now) { exam in
            lookups.append(exam)
            return exam == "math" ? 30 : nil
        }
        XCTAssertEqual(plan.entries.map(\.decision), [.delete(ageDays: 31, retentionDays: 30), .keep(ageDays: 29.5, retentionDays: 30),
                                                      .unknownRetention(examID: "lost")])
        XCTAssertEqual(plan.expired.map(\.studentID), ["a"])
        XCTAssertEqual(lookups, ["math", "lost"], "each exam file is looked up once")
        let forced = RetentionPlan([candidate("c", exam: "lost", daysAgo: 400)], olderThan: 365, now: now) { _ in nil }
        XCTAssertEqual(forced.expired.map(\.studentID), ["c"])
    }
}
