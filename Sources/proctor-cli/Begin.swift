import ArgumentParser
import Encode
import Foundation
import Delivery
import Session
import StudentPage

extension Proctor {
    struct Begin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a proctored exam session.",
            discussion: """
            Shows what is recorded and flagged, takes the photos the exam asks for, then records \
            camera, microphone and screen into a sealed bundle in $PROCTOR_DATA_DIR \
            (default ~/.local/share/proctor/sessions) until the time limit, Ctrl-C, or \
            `proctor submit` from another terminal. See docs/recording.md.
            """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "Exam ID or path to a signed exam file.") var exam: String
        @Option(help: "Your student ID.") var student: String
        @OptionGroup var sources: SourceOptions
        @Option(help: "End after this many seconds (scripted runs).") var duration: Double?
        @Flag(help: "Accept the disclosure and agreement without asking (scripted runs).") var accept = false
        @Flag(help: "Continue this exam's interrupted session in a new part.") var resume = false
        @Flag(help: "Print the status as JSON lines on stdout.") var json = false
        @Flag(help: "A practice run, not an exam attempt: test and file sources are accepted (and flagged), and every report says practice.")
        var practice = false
        @Flag(help: "Do not open the student page in a browser; its address is still printed.") var noBrowser = false

        mutating func run() async throws {
            let sources = RecordingSources(camera: sources.camera, microphone: sources.mic, screen: sources.screen)
            var request = SessionRequest(exam: exam, student: student, sources: sources, duration: duration, accept: accept,
                                         resume: resume, json: json, verbose: global.verbose, practice: practice)
            let page = StudentPage(submission: Self.submission(exam))
            request.preview = page.feed
            request.control = page.control
            try await BeginPage.run(page, console: BeginConsole(json: json), openBrowser: !noBrowser, interactive: !accept) { [request] observer in
                try await ExamSession.begin(request, observer: observer)
            }
        }

        /// Where the page's "Finish and submit" delivers: the exam's submission address, as `proctor submit --exam`.
        static func submission(_ exam: String) -> StudentPage.Submission? {
            guard let destination = try? DeliveryDestination.forExam(exam) else { return nil }
            var options = DeliveryOptions()
            options.credentials = try? SubmitCredentials.resolve(file: nil)
            return StudentPage.Submission(destination: destination, options: options)
        }
    }
}
