import Foundation
import Session

/// What the page shows, as `GET /api/state` sends it: the page draws itself from this alone.
struct StudentPageState: Codable, Sendable, Equatable {
    struct Question: Codable, Sendable, Equatable {
        /// Counts up per question, so a late answer cannot answer the next one.
        var id: Int
        /// "agreement", "id", "face" or "end-early".
        var kind: String
        var prompt: String
    }

    struct Progress: Codable, Sendable, Equatable {
        var elapsed: Double
        var remaining: Double
        var recording: [String]
        var practice: Bool
    }

    struct Warning: Codable, Sendable, Equatable {
        var id: Int
        var text: String
    }

    struct Submission: Codable, Sendable, Equatable {
        enum Phase: String, Codable, Sendable { case sealing, delivering, delivered, failed }
        var phase: Phase
        var message: String
        var receipt: Receipt?
    }

    /// The receipt's lines for a person: what `proctor submit` prints.
    struct Receipt: Codable, Sendable, Equatable {
        var bundle: String
        var destination: String
        var sha256: String
        var size: Int64
        var location: String
    }

    var step: LiveUpdate.Step = .agreement
    var disclosure = ""
    var question: Question?
    /// Where the agreement was accepted, once it was.
    var agreedOn: String?
    var exposure: String?
    var exposureOK = true
    var roomScanDone = 0.0
    var roomScanTotal = 0.0
    var progress: Progress?
    var warnings: [Warning] = []
    var notices: [String] = []
    var ended: String?
    var submission: Submission?
    /// Whether "Finish and submit" is offered: the exam names a submission address.
    var canSubmit = false
}

extension SessionQuestion.Kind {
    var pageName: String {
        switch self {
        case .agreement: "agreement"
        case .photo(let kind): kind
        case .endEarly: "end-early"
        }
    }
}
