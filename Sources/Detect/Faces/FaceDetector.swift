import ProctorModel


/// Faces at a few frames per second: `face.missing`, `face.multiple`, `gaze.away`, and the
/// fairness guard `light.insufficient` (coverage, never a flag) where the picture is too dark
/// or flat for "no face" to be believed. libfacedetection's CNN looks first where the CPU can
/// run it; dlib's HOG is the second opinion (or, without AVX2, the only one): a sample counts
/// toward `face.missing` only when every opinion agrees no face is there. After 3 s without a
/// face the student is told why (`warning.shown`), so a fixable cause need not become a flag.
public struct FaceDetector: Detector {
    public static let id = EventKind.Writer.faces

    /// Documented defaults (docs/detectors.md explains each).
    public enum Defaults {
        /// Once a second: the timeline is read to the second, and HOG (~12 ms a sample) is the
        /// detectors' largest steady cost (docs/detectors.md).
        public static let samplesPerSecond = 1.0
        /// HOG scans 80x80 windows: a face must be about 80 px tall in this box, i.e. a third
        /// of the frame height, which a student at a laptop webcam is. 448x288 keeps HOG at
        /// ~25 ms a sample on one core.
        public static let box = (width: 448, height: 288)
        public static let missingSeconds = 5.0
        public static let multipleSeconds = 3.0
        public static let gazeSeconds = 5.0
        public static let lightSeconds = 1.0
        /// A miss shorter than this (one sample dlib did not see, 1 s at 1/s) does not split an
        /// interval; two in a row do.
        public static let gapSeconds = 1.5
        /// Extra faces must clear dlib's threshold by this margin: a weak second "face" in a
        /// poster or a shirt pattern must not make a multiple-people flag.
        public static let secondFaceMargin = 0.3
        /// Beyond 35° of yaw the student is looking past the screen's edge at a normal distance.
        public static let yawLimit = 35.0
        /// Pitch from a generic face model moves up to ±30° with expression (a broad smile
        /// lifts the mouth corners), so only a head bowed or raised well past that is flagged.
        public static let pitchLimit = 40.0
        /// Below these the picture cannot be trusted to show a face (measured with the
        /// darkened/low-contrast portrait variants in FairnessTests).
        public static let minimumLuma = 40.0
        public static let minimumContrast = 48.0
        /// Mostly black pixels: blackdetect's picture_black_ratio_th.
        public static let blackShare = 0.98
        /// After this many samples in a row where equalising a dim picture found no face either,
        /// equalise only every `equaliseEvery`-th sample: a dark, empty room would otherwise pay
        /// HOG twice on every sample. A face that appears meanwhile is seen at most 3 s late.
        public static let fruitlessRetries = 4
        public static let equaliseEvery = 4
        /// libfacedetection's confidence (0...1) a face must reach, the first and every further
        /// one alike, so the margin does not depend on how dark a face is. Calibrated on the
        /// per-group scores of the fairness scenes (docs/detectors.md, "Equal margins").
        /// Dogs' faces in the fixtures reach 0.64; the weakest true face of any group in any
        /// lighting variant scores 0.77, the weakest in the targeted lighting 0.89.
        public static let networkThreshold = 0.7
        /// HOG accepts a weaker face (down to this margin) where a face was last seen: a
        /// tracked face that dims or turns a little is still the student, not an empty seat.
        public static let trackedThreshold = -0.5
        /// A picture this bright whose detail (`PictureQuality.detail`) stays under `plainDetail`
        /// is a plain, evenly lit wall: a face in front of it would stand out, so it is readable.
        public static let plainMinimumLuma = 80.0
        /// Between a plain wall (~1) and the flattest fixture face (3.7): docs/detectors.md.
        public static let plainDetail = 2.0
        /// The student is told after this long without a face, at most once per interval.
        public static let warningSeconds = 3.0
        public static let warningInterval = 60.0
    }

    public var samplesPerSecond: Double { Defaults.samplesPerSecond }
    public var evaluatedSeconds: Double { coverage.seconds }

    private let model: FaceModel
    /// nil when the CNN cannot run here (no AVX2, not installed): HOG alone.
    private let network: FaceNetwork?
    /// Which detector looks first, and why: precheck and the timeline report it.
    public let engine: FaceEngine
    /// Where a face was last seen, in `canvas` pixels.
    private var lastFace: FaceBox?
    private var warning = MissingFaceWarning()
    /// What the latest `inspect` saw (the fairness report reads it).
    public private(set) var lastObservation: Observation?
    private let secondFaceMargin: Double
    private let yawLimit: Double
    private let pitchLimit: Double
    private var missing: ConditionTracker?
    private var multiple: ConditionTracker?
    private var gaze: ConditionTracker?
    private var light: ConditionTracker?
    private var coverage = CoverageClock(maximumStep: 2 / Defaults.samplesPerSecond)
    /// Samples in a row that wanted equalisation and still showed no face.
    private var fruitless = 0

    /// nil when every face kind is switched off or exempt for this student.
    /// `network` nil loads libfacedetection when the CPU and installation allow (the HOG-only
    /// fallback otherwise); `.some(nil)` runs HOG alone on purpose (the "before" of the
    /// fairness report).
    public init?(settings: DetectionSettings, model: FaceModel? = nil, network: FaceNetwork?? = nil) throws(ProctorError) {
        let missingConfig = settings.config(for: "face.missing")
        let multipleConfig = settings.config(for: "face.multiple")
        let gazeConfig = settings.config(for: "gaze.away")
        let lightConfig = settings.config(for: "light.insufficient")
        guard missingConfig != nil || multipleConfig != nil || gazeConfig != nil else { return nil }
        if let model, gazeConfig == nil || model.hasLandmarks {
            self.model = model
        } else {
            self.model = try FaceModel(landmarkModel: gazeConfig == nil ? nil : FaceModel.defaultLandmarkModel)
        }
        switch network {
        case .some(let chosen):
            self.network = chosen
            engine = chosen.map { .network(path: $0.path) } ?? .hog(reason: "HOG alone was asked for")
        case .none:
            do {
                let loaded = try FaceNetwork()
                self.network = loaded
                engine = .network(path: loaded.path)
            } catch {
                self.network = nil
                engine = .hog(reason: error.message)
            }
        }
        secondFaceMargin = multipleConfig?.limit(Defaults.secondFaceMargin) ?? Defaults.secondFaceMargin
        yawLimit = gazeConfig?.limit(Defaults.yawLimit) ?? Defaults.yawLimit
        pitchLimit = gazeConfig?.limit(Defaults.pitchLimit) ?? Defaults.pitchLimit
        let id = Self.id, gap = Defaults.gapSeconds
        // What "no face" was judged against: each opinion's bar and the light rule.
        var opinions = ["minimumLuma": Defaults.minimumLuma, "minimumContrast": Defaults.minimumContrast,
                        "plainMinimumLuma": Defaults.plainMinimumLuma, "plainDetail": Defaults.plainDetail,
                        "trackedThreshold": Defaults.trackedThreshold]
        if self.network != nil { opinions["networkThreshold"] = Defaults.networkThreshold }
        if let config = missingConfig {
            missing = ConditionTracker(kind: "face.missing", detector: id, minimumSeconds: config.minimum(Defaults.missingSeconds),
                                       gapSeconds: gap, thresholds: opinions) { seconds, _ in
                "No face was visible for \(format(seconds)) s although the picture was bright and clear enough to show one."
            }
        }
        if let config = multipleConfig {
            let margin = secondFaceMargin
            multiple = ConditionTracker(kind: "face.multiple", detector: id, minimumSeconds: config.minimum(Defaults.multipleSeconds),
                                        gapSeconds: gap, thresholds: self.network == nil ? ["secondFaceMargin": margin]
                                            : ["secondFaceMargin": margin, "networkThreshold": Defaults.networkThreshold]) { seconds, measured in
                "\(format(measured["faces"] ?? 2, digits: 0)) faces were visible together for \(format(seconds)) s."
            }
        }
        if let config = gazeConfig {
            gaze = ConditionTracker(kind: "gaze.away", detector: id, minimumSeconds: config.minimum(Defaults.gazeSeconds),
                                    gapSeconds: gap, thresholds: ["yawLimit": yawLimit, "pitchLimit": pitchLimit]) { seconds, measured in
                "The head was turned away (yaw \(format(measured["yaw"] ?? 0, digits: 0))°, pitch \(format(measured["pitch"] ?? 0, digits: 0))°) for \(format(seconds)) s."
            }
        }
        if let config = lightConfig {
            light = ConditionTracker(kind: "light.insufficient", detector: id, severity: .coverage,
                                     minimumSeconds: config.minimum(Defaults.lightSeconds), gapSeconds: gap,
                                     thresholds: opinions) { seconds, measured in
                "For \(format(seconds)) s the picture was too dark or flat where a face would be (mean luma \(format(measured["regionLuma"] ?? 0, digits: 0)), contrast \(format(measured["regionContrast"] ?? 0, digits: 0))) to tell whether a face was there; not counted against the student."
            }
        }
    }

    /// What one sample showed, also used by the fairness report in the tests.
    public struct Observation: Sendable {
        public var faces: [FaceBox]
        /// Faces counted: the strongest plus those clearing the second-face margin.
        public var count: Int
        public var quality: PictureQuality
        /// True when the faces were only found after histogram equalisation.
        public var equalised: Bool
        /// No face at first in a dim or flat picture: the case equalisation is for (whether or
        /// not it was tried).
        public var wantedEqualisation: Bool
        public var pose: HeadPose?
        /// The picture could show a face: bright and contrasty enough where the face was last
        /// seen (or, before any face, overall, or a plain evenly lit wall), and not black.
        public var reliable: Bool
        /// Luma and contrast where the face was last seen (the whole frame before any face).
        public var regionQuality: PictureQuality
        /// Which opinion found the faces: "cnn", "hog", "hog-tracked", "hog-equalised" (nil: none).
        public var foundBy: String?
    }

    /// One sample's faces and picture. `near` is where a face was last seen (canvas pixels).
    public func observe(_ image: AnalysisImage, equalise: Bool = true, near: FaceBox? = nil) throws(ProctorError) -> Observation {
        let canvas = Self.canvas(image)
        let quality = PictureQuality(canvas)
        var faces: [FaceBox] = []
        var foundBy: String?
        var count = 0
        if let network {
            let input = Self.networkInput(image)
            let scale = Double(canvas.width) / Double(input.width)
            faces = try network.detect(input).filter { $0.score >= Defaults.networkThreshold }.map { $0.scaled(by: scale) }
            count = faces.count
            if count > 0 { foundBy = "cnn" }
        }
        // The second opinion (or, without the CNN, the only one): HOG, once at a lowered
        // threshold so that a weaker face where the student was just seen is kept too. Behind
        // the CNN it looks only where it can change the answer: around the place the face was
        // last seen, and over the whole frame in poor light, where the CNN is weaker. (Over a
        // whole well-lit frame it found nothing the CNN missed in the fairness scenes, and it
        // would double an empty room's cost.)
        var equalised = false
        var analysed = canvas
        var wanted = false
        let poorLight = quality.blackShare < Defaults.blackShare
            && (quality.meanLuma < 2 * Defaults.minimumLuma || quality.contrast < 2 * Defaults.minimumContrast)
        if faces.isEmpty, network != nil, !poorLight {
            if let near, case let patch = PictureRegion(around: near, width: canvas.width, height: canvas.height, grownBy: 0.5), !patch.isEmpty {
                faces = try model.detect(PictureQuality.pixels(of: canvas, in: patch), adjustThreshold: Defaults.trackedThreshold)
                    .map { $0.offset(x: Double(patch.left), y: Double(patch.top)) }
                    .filter { $0.score >= 0 || $0.overlaps(near) }
                if !faces.isEmpty { foundBy = faces[0].score >= 0 ? "hog" : "hog-tracked" }
                count = faces.isEmpty ? 0 : 1 + faces.dropFirst().filter { $0.score >= secondFaceMargin }.count
            }
        } else if faces.isEmpty {
            func accepted(_ found: [FaceBox]) -> [FaceBox] {
                found.filter { box in box.score >= 0 || (near.map { box.overlaps($0) } ?? false) }
            }
            let hog = try model.detect(canvas, adjustThreshold: near == nil ? 0 : Defaults.trackedThreshold)
            faces = accepted(hog)
            if !faces.isEmpty { foundBy = faces[0].score >= 0 ? "hog" : "hog-tracked" }
            // Equalise only when the light is poor: in good light it cannot help and would double the cost.
            wanted = faces.isEmpty && poorLight
            if wanted, equalise {
                analysed = PictureQuality.equalised(canvas)
                faces = accepted(try model.detect(analysed, adjustThreshold: near == nil ? 0 : Defaults.trackedThreshold))
                equalised = !faces.isEmpty
                if equalised { foundBy = "hog-equalised" }
            }
            count = faces.isEmpty ? 0 : 1 + faces.dropFirst().filter { $0.score >= secondFaceMargin }.count
        }
        var pose: HeadPose?
        if count == 1, gaze != nil, model.hasLandmarks {
            // dlib's shape predictor was trained on HOG's boxes; fitted in the CNN's taller box a
            // turned face's landmarks land up to 50° off (docs/detectors.md, "Head pose"). So the
            // pose comes from HOG's own box, down to the tracked threshold; where HOG cannot see
            // the face at all there is no pose, and no gaze.away judgement, for that sample.
            var box: FaceBox? = faces[0]
            // Only around the CNN's face: HOG over that patch costs a fraction of the frame.
            let patch = PictureRegion(around: faces[0], width: canvas.width, height: canvas.height, grownBy: 0.3)
            if foundBy == "cnn" {
                box = patch.isEmpty ? nil : try model.detect(PictureQuality.pixels(of: canvas, in: patch), adjustThreshold: Defaults.trackedThreshold)
                    .map { $0.offset(x: Double(patch.left), y: Double(patch.top)) }
                    .first { $0.overlaps(faces[0]) }
            }
            if let box { pose = HeadPose(landmarks: try model.landmarks(analysed, face: box)) }
        }
        let region = near.map { PictureRegion(around: $0, width: canvas.width, height: canvas.height) }
        let regionQuality = region.flatMap { $0.isEmpty ? nil : PictureQuality(canvas, region: $0) } ?? quality
        let readable = regionQuality.meanLuma >= Defaults.minimumLuma && regionQuality.contrast >= Defaults.minimumContrast
        // A plain wall lit evenly and brightly enough: nothing hides in it, so "no face" is believable.
        // (Measured only when it decides something: ~4 ms of Swift in a debug build.)
        let reliable = quality.blackShare < Defaults.blackShare
            && (readable || count == 0 && quality.meanLuma >= Defaults.plainMinimumLuma && regionQuality.meanLuma >= Defaults.plainMinimumLuma
                && PictureQuality.detail(canvas) <= Defaults.plainDetail)
        return Observation(faces: faces, count: count, quality: quality, equalised: equalised, wantedEqualisation: wanted,
                           pose: pose, reliable: reliable, regionQuality: regionQuality, foundBy: foundBy)
    }

    public mutating func inspect(_ image: AnalysisImage) throws(ProctorError) -> [TimelineEvent] {
        let equalise = fruitless < Defaults.fruitlessRetries || fruitless % Defaults.equaliseEvery == 0
        let seen = try observe(image, equalise: equalise, near: lastFace)
        lastObservation = seen
        fruitless = seen.count == 0 && seen.wantedEqualisation ? fruitless + 1 : 0
        let time = image.time
        let visible = seen.count > 0
        if let face = seen.faces.first, visible { lastFace = face }
        coverage.sample(at: time, evaluated: visible || seen.reliable)
        var measured = ["faces": Double(seen.count), "meanLuma": seen.quality.meanLuma, "contrast": seen.quality.contrast,
                        "regionLuma": seen.regionQuality.meanLuma, "regionContrast": seen.regionQuality.contrast]
        if let best = seen.faces.first { measured["score"] = best.score }
        var events: [TimelineEvent] = []
        func feed(_ tracker: inout ConditionTracker?, _ holds: Bool, _ values: [String: Double]) {
            if let event = tracker?.update(at: time, holds: holds, measured: values) { events.append(event) }
        }
        feed(&missing, !visible && seen.reliable, measured)
        feed(&light, !visible && !seen.reliable, measured)
        feed(&multiple, seen.count >= 2, measured)
        var turned = false
        if let pose = seen.pose {
            measured["yaw"] = pose.yaw
            measured["pitch"] = pose.pitch
            turned = abs(pose.yaw) > yawLimit || abs(pose.pitch) > pitchLimit
        }
        feed(&gaze, turned, measured)
        if missing != nil, let shown = warning.update(at: time, visible: visible, seen: seen) { events.append(shown) }
        return events
    }

    public mutating func finish(at time: Double) -> [TimelineEvent] {
        coverage.finish(at: time)
        return [missing?.finish(at: time), light?.finish(at: time), multiple?.finish(at: time), gaze?.finish(at: time)]
            .compactMap { $0 }
    }

    /// Gray, at most 320x240: the CNN finds faces down to ~20 px, so more pixels would only
    /// cost time.
    static func networkInput(_ image: AnalysisImage) -> AnalysisImage {
        let scale = min(1, 320 / Double(image.width), 240 / Double(image.height))
        let width = max(16, Int((Double(image.width) * scale).rounded()))
        let height = max(16, Int((Double(image.height) * scale).rounded()))
        if image.format == .gray8, image.width == width, image.height == height { return image }
        return GrayResize.resized(image, width: width, height: height)
    }

    /// What this detector asks the capture feed for: gray pictures fitted inside `Defaults.box`.
    public static var analysis: AnalysisRequest {
        AnalysisRequest(width: Defaults.box.width, height: Defaults.box.height, format: .gray8,
                        framesPerSecond: Defaults.samplesPerSecond)
    }

    /// Gray, fitted inside `Defaults.box` keeping the aspect ratio (letterboxed, never
    /// stretched: a squashed face is not a face to HOG). The padding is not materialised
    /// because HOG scans a picture of any size. Pictures from the recording's feed already
    /// have this size; only others (stills, test scenes) are resized here.
    static func canvas(_ image: AnalysisImage) -> AnalysisImage {
        let scale = min(Double(Defaults.box.width) / Double(image.width), Double(Defaults.box.height) / Double(image.height))
        let width = max(16, Int((Double(image.width) * scale).rounded()))
        let height = max(16, Int((Double(image.height) * scale).rounded()))
        if image.format == .gray8, image.width == width, image.height == height { return image }
        return GrayResize.resized(image, width: width, height: height)
    }
}

/// Seconds and angles for reviewer sentences: one decimal unless asked otherwise.
func format(_ value: Double, digits: Int = 1) -> String {
    let factor = digits == 0 ? 1.0 : 10.0
    let rounded = (value * factor).rounded() / factor
    return digits == 0 ? String(Int(rounded)) : String(rounded)
}
