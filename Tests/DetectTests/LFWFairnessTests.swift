@testable import Detect
import Foundation
import XCTest
@testable import ProctorModel

/// Face-detector recall per perceived skin-tone group on webcam-like scenes built from the 80 LFW
/// photos in ../shared/fixtures/fairness-lfw, through the real `FaceDetector` at the real
/// analysis size (320x240) and sample schedule (1/s), before (HOG alone) and after (the CNN with
/// HOG as second opinion). `make fairness` runs it whole (PROCTOR_FAIRNESS=full); `make test`
/// runs a bounded version (every other person, the targeted lighting, the CNN engine) and both
/// fail when a group's recall drops under the floor documented in docs/detectors.md.
final class LFWFairnessTests: XCTestCase {
    /// docs/detectors.md, "Fairness": the measured worst group in the targeted lighting, rounded down.
    static let recallFloor = 0.97
    /// The largest allowed gap between the best and the worst group's recall, per variant.
    static let largestGap = 0.02

    struct Tally {
        var samples = 0, found = 0, images = 0, imagesAlwaysFound = 0
        var scores: [Double] = []
        var flaggedSeconds = 0.0, unreliableSeconds = 0.0, judgedMissingSamples = 0
        var recall: Double { samples == 0 ? 0 : Double(found) / Double(samples) }
    }

    /// `stock`: the detector before issue 14 (HOG at its default threshold, whole-frame light
    /// rule); `hog`: HOG alone with the new rules, as on a CPU without AVX2; `cnn`: the default.
    enum Engine: String, CaseIterable { case stock = "before: stock HOG", hog = "HOG-only fallback", cnn = "after: CNN+HOG" }

    func testRecallPerSkinToneGroup() throws {
        guard FairnessPhotos.available else {
            print("FAIRNESS SKIPPED: \(FairnessPhotos.root.path) is absent, so recall per skin-tone group was NOT measured")
            throw XCTSkip("LFW fairness photos absent at \(FairnessPhotos.root.path): recall per skin-tone group not measured")
        }
        guard FaceNetwork.cpuSupported else {
            print("FAIRNESS SKIPPED: this CPU has no AVX2, so the CNN engine the floors are for cannot run")
            throw XCTSkip("no AVX2: the fairness floors are for the CNN engine")
        }
        let full = ProcessInfo.processInfo.environment["PROCTOR_FAIRNESS"] == "full"
        var entries = try FairnessPhotos.manifest()
        if !full {
            // One photo of every other person: all three groups, a third of the work.
            var persons: [String] = []
            for entry in entries where !persons.contains(entry.person) { persons.append(entry.person) }
            let kept = Set(persons.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
            var taken: Set<String> = []
            entries = entries.filter { kept.contains($0.person) && taken.insert($0.person).inserted }
        }
        let lightings = full ? WebcamScene.Lighting.allCases : WebcamScene.Lighting.targeted
        let engines: [Engine] = full ? Engine.allCases : [.cnn]
        // Six samples let a false face.missing (5 s) happen; the bounded run checks every
        // sample's judgement instead, which is stricter.
        let seconds = full ? 6 : 3
        let model = try FaceModel(landmarkModel: nil)
        let network = try FaceNetwork()
        let settings = DetectionSettings(exemptKinds: ["gaze.away"])
        let groups = ["dark", "medium", "light"]
        var tallies: [String: Tally] = [:]
        var cpu: [Engine: (seconds: Double, samples: Int)] = [:]
        var parts = (network: 0.0, hog: 0.0, samples: 0)

        for (index, entry) in entries.enumerated() {
            let portrait = try WebcamScene.Portrait(try FairnessPhotos.photo(entry), faceHeight: [0.35, 0.45, 0.6][index % 3])
            let background = WebcamScene.Background.allCases[(index / 3) % 2]
            for lighting in lightings {
                var noise = SeededNoise(state: UInt64(index * 31 + 7))
                let frames = try (0..<seconds).map { second in
                    let t = Double(second)
                    return try WebcamScene.make(portrait, background: background, lighting: lighting,
                                                shift: (Int(8 * sin(1.3 * t)), Int(4 * cos(0.9 * t))), noise: &noise).at(t)
                }
                for engine in engines {
                    var detector = try XCTUnwrap(try FaceDetector(settings: settings, model: model,
                                                                  network: .some(engine == .cnn ? network : nil)))
                    // The stock detector's face.missing: no face at threshold 0 in a picture bright and
                    // contrasty as a whole (its rule), for 5 s with 1.5 s gaps bridged.
                    var stockMissing = ConditionTracker(kind: "face.missing", detector: "faces", minimumSeconds: 5, gapSeconds: 1.5) { _, _ in "" }
                    let key = "\(engine.rawValue)|\(lighting.rawValue)|\(entry.group)"
                    var tally = tallies[key] ?? Tally()
                    var events: [TimelineEvent] = []
                    var foundEvery = true
                    let started = threadSeconds()
                    for frame in frames {
                        let seen: FaceDetector.Observation
                        if engine == .stock {
                            seen = try detector.observe(frame, near: nil)
                            let quality = seen.quality
                            let reliable = quality.blackShare < FaceDetector.Defaults.blackShare
                                && quality.meanLuma >= FaceDetector.Defaults.minimumLuma && quality.contrast >= FaceDetector.Defaults.minimumContrast
                            if let event = stockMissing.update(at: frame.time, holds: seen.count == 0 && reliable) { events.append(event) }
                            if seen.count == 0 && reliable { tally.judgedMissingSamples += 1 }
                        } else {
                            events += try detector.inspect(frame)
                            seen = try XCTUnwrap(detector.lastObservation)
                            if seen.count == 0 && seen.reliable { tally.judgedMissingSamples += 1 }
                        }
                        tally.samples += 1
                        if seen.count > 0 {
                            tally.found += 1
                            tally.scores.append(seen.faces[0].score)
                        } else {
                            foundEvery = false
                        }
                    }
                    let spent = threadSeconds() - started
                    cpu[engine, default: (0, 0)] = (cpu[engine, default: (0, 0)].seconds + spent, cpu[engine, default: (0, 0)].samples + frames.count)
                    events += engine == .stock ? [stockMissing.finish(at: Double(seconds))].compactMap { $0 } : detector.finish(at: Double(seconds))
                    tally.flaggedSeconds += events.filter { $0.kind == "face.missing" }.reduce(0) { $0 + $1.duration }
                    tally.unreliableSeconds += events.filter { $0.kind == "light.insufficient" }.reduce(0) { $0 + $1.duration }
                    tally.images += 1
                    if foundEvery { tally.imagesAlwaysFound += 1 }
                    tallies[key] = tally
                }
            }
        }

        print("FAIRNESS \(entries.count) LFW photos, \(seconds) samples each at 1/s, 320x240 analysis frames; \(full ? "full run" : "bounded run (make fairness for all)")")
        print("FAIRNESS engine          | lighting           | group  | recall (samples)        | 95% Wilson (by image) | photos always found | median / min score | false face.missing s | judged missing | light.insufficient s")
        var failures: [String] = []
        for engine in engines {
            for lighting in lightings {
                var recalls: [Double] = []
                for group in groups {
                    let tally = tallies["\(engine.rawValue)|\(lighting.rawValue)|\(group)"] ?? Tally()
                    let interval = wilson(Int((tally.recall * Double(tally.images)).rounded()), tally.images)
                    let sorted = tally.scores.sorted()
                    let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2], lowest = sorted.first ?? 0
                    print("FAIRNESS " + [engine.rawValue.padding(15), lighting.rawValue.padding(18), group.padding(6),
                                         "\(tally.found)/\(tally.samples) = \(percent(tally.recall))".padding(23),
                                         "[\(percent(interval.low))–\(percent(interval.high))]".padding(21),
                                         "\(tally.imagesAlwaysFound)/\(tally.images)".padding(19),
                                         String(format: "%.2f / %.2f", median, lowest).padding(18),
                                         String(format: "%.0f", tally.flaggedSeconds).padding(20),
                                         "\(tally.judgedMissingSamples)".padding(14), String(format: "%.0f", tally.unreliableSeconds)].joined(separator: " | "))
                    recalls.append(tally.recall)
                    guard engine == .cnn else { continue }
                    if tally.flaggedSeconds > 0 { failures.append("\(group) \(lighting.rawValue): \(tally.flaggedSeconds) s of false face.missing") }
                    if tally.judgedMissingSamples > 0 { failures.append("\(group) \(lighting.rawValue): \(tally.judgedMissingSamples) sample(s) judged 'no face' in a readable picture") }
                    if WebcamScene.Lighting.targeted.contains(lighting), tally.recall < Self.recallFloor {
                        failures.append("\(group) \(lighting.rawValue): recall \(percent(tally.recall)) under the floor \(percent(Self.recallFloor))")
                    }
                }
                if engine == .cnn, WebcamScene.Lighting.targeted.contains(lighting), let best = recalls.max(), let worst = recalls.min(),
                   best - worst > Self.largestGap {
                    failures.append("\(lighting.rawValue): gap between groups \(percent(best - worst)) over \(percent(Self.largestGap))")
                }
            }
        }
        for (engine, spent) in cpu.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            print("FAIRNESS CPU \(engine.rawValue): \(String(format: "%.1f", 1000 * spent.seconds / Double(max(1, spent.samples)))) ms of thread CPU per sample, whole FaceDetector (debug build of the Swift side)")
        }
        // The optimised C/C++ parts alone, on the same frames: what a release build pays.
        let canvasFrames = try frames(of: entries.prefix(12))
        let startNetwork = threadSeconds()
        for frame in canvasFrames { _ = try network.detect(frame) }
        let networkSpent = threadSeconds() - startNetwork
        let canvases = try canvasFrames.map { try FaceDetector.canvas($0) }
        let startHOG = threadSeconds()
        for canvas in canvases { _ = try model.detect(canvas, adjustThreshold: FaceDetector.Defaults.trackedThreshold) }
        let hogSpent = threadSeconds() - startHOG
        print("FAIRNESS CPU per sample on one thread: libfacedetection CNN at 320x240 \(String(format: "%.1f", 1000 * networkSpent / Double(canvasFrames.count))) ms, dlib HOG at 384x288 \(String(format: "%.1f", 1000 * hogSpent / Double(canvases.count))) ms (\(canvasFrames.count) frames)")
        XCTAssertEqual(failures, [], "fairness targets missed")
    }
}

/// CPU seconds this thread has used: per-sample costs without the other engineers' load.
private func threadSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// One normal-light scene per photo, for the CPU measurement.
private func frames(of entries: ArraySlice<FairnessPhotos.Entry>) throws -> [AnalysisImage] {
    var noise = SeededNoise(state: 99)
    return try entries.enumerated().map { index, entry in
        try WebcamScene.make(try WebcamScene.Portrait(try FairnessPhotos.photo(entry), faceHeight: [0.35, 0.45, 0.6][index % 3]),
                             background: .room, lighting: .normal, shift: (0, 0), noise: &noise)
    }
}

private func percent(_ value: Double) -> String { String(format: "%.1f%%", 100 * value) }

private extension String {
    func padding(_ length: Int) -> String { count >= length ? self : padding(toLength: length, withPad: " ", startingAt: 0) }
}
