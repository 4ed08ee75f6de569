import Foundation

/// What `proctor export` writes and where.
public struct ExportOptions: Sendable {
    public var pdf: Bool
    public var json: Bool
    public var csv: Bool
    public var media: Bool
    public var outputDirectory: URL
    /// Evidence frames per flagged event and source (camera, screen): the frame at the event's
    /// evidence time, or at its start when the detector chose none.
    public var evidenceWidth = 480
    /// `--exams` folders, searched (before the default places) for the exam file whose SHA-256
    /// the bundle header names.
    public var examFolders: [URL] = []
    /// Whose signature on that exam file is accepted (the CLI adds the exporter's own key).
    public var trust = ExamTrust()

    /// With no format chosen, export writes the PDF, JSON and CSV reports (media is opt-in:
    /// it is large and is the raw recording).
    public init(pdf: Bool = false, json: Bool = false, csv: Bool = false, media: Bool = false, outputDirectory: URL) {
        let none = !(pdf || json || csv || media)
        self.pdf = pdf || none
        self.json = json || none
        self.csv = csv || none
        self.media = media
        self.outputDirectory = outputDirectory
    }

    /// File name stem for one session: student and exam, made safe for any file system.
    static func stem(student: String, exam: String) -> String {
        "\(safe(student))-\(safe(exam))"
    }

    /// Header fields are the student's to choose: every character outside a portable set
    /// becomes '_', so none can reach outside the output folder.
    static func safe(_ text: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        return String(text.map { allowed.contains($0) ? $0 : "_" })
    }
}
