import ArgumentParser
import Encode
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ProctorModel
import Session
import StudentPage

extension Proctor {
    /// Used by `make bench` (scripts/bench.sh, BENCH_ONLY=preview); hidden from help.
    struct BenchPreview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-preview",
            abstract: "Measure the student page's camera preview CPU (feed, JPEG, HTTP, a polling client); prints JSON.",
            shouldDisplay: false
        )

        @Option(help: "A JPEG or PNG, scaled to the analysis frame a 640x480 camera gives (384x288 gray).") var picture: String
        @Option(help: "Seconds to measure.") var seconds = 20.0
        @Option(help: "Analysis frames offered per second (the detectors' rate).") var offered = 2.0

        struct Result: Encodable {
            let seconds: Double
            let framesServed: Int
            let jpegBytes: Int
            let rate: Double
            /// Process CPU seconds per wall second: server, encoding and the polling client together.
            let cores: Double
        }

        mutating func run() async throws {
            guard seconds > 0, offered > 0 else { throw ValidationError("--seconds and --offered must be positive") }
            LibraryLogging.configure(verbose: false)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: picture)))
            let camera = try StillImage.letterboxed(try StillImage.decode(bytes, as: .gray8), width: 640, height: 480, format: .gray8)
            let base = try StillImage.resized(camera, width: 384, height: 288, format: .gray8)
            let page = StudentPage(submission: nil)
            let (ready, continuation) = AsyncStream.makeStream(of: URL.self)
            let server = Task { try await page.app().run { url in continuation.yield(url) } }
            defer { server.cancel() }
            var urls = ready.makeAsyncIterator()
            guard let url = await urls.next(), let port = url.port, let token = url.query?.split(separator: "=").last else {
                throw ValidationError("the page did not start")
            }
            let duration = seconds, rate = offered, feed = page.feed
            // The capture side: a new analysis frame every 1/rate s, as the feed offers them.
            let publisher = Thread {
                let start = Date()
                var index = 0
                while Date().timeIntervalSince(start) < duration + 1 {
                    var pixels = base.pixels
                    pixels[index % pixels.count] &+= 1
                    feed.publish(AnalysisImage(width: base.width, height: base.height, format: .gray8, pixels: pixels,
                                               time: Double(index) / rate))
                    index += 1
                    Thread.sleep(forTimeInterval: 1 / rate)
                }
            }
            publisher.start()
            // The page's side: the same long poll student.js runs.
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/preview")!)
            request.setValue("proctor_token_\(port)=\(token)", forHTTPHeaderField: "Cookie")
            let cpuStart = Self.processCPU(), wallStart = Date()
            var sequence = 0, served = 0, total = 0
            while Date().timeIntervalSince(wallStart) < duration {
                request.url = URL(string: "http://127.0.0.1:\(port)/api/preview?after=\(sequence)")!
                let (body, response) = try await URLSession.shared.data(for: request)
                guard let http = response as? HTTPURLResponse, http.statusCode == 200 else { continue }
                sequence = Int(http.value(forHTTPHeaderField: "X-Preview-Sequence") ?? "") ?? sequence
                served += 1
                total += body.count
            }
            let wall = Date().timeIntervalSince(wallStart), cpu = Self.processCPU() - cpuStart
            let result = Result(seconds: wall, framesServed: served, jpegBytes: served > 0 ? total / served : 0,
                                rate: Double(served) / wall, cores: cpu / wall)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }

        static func processCPU() -> Double {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
    }
}
