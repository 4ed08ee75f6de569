import ProctorModel


/// The microphone: `audio.speech` (sustained speech, WebRTC VAD), `audio.loud` (momentary
/// loudness above a level) and `mic.silent` (digital silence: muted or unplugged).
public struct AudioDetector: Detector {
    public static let id = EventKind.Writer.audio

    public enum Defaults {
        /// Long enough to skip a cough, a sigh or one muttered word; short enough for a
        /// question read aloud to someone.
        public static let speechSeconds = 2.0
        /// Pauses between words and breaths are shorter than this.
        public static let speechGapSeconds = 0.8
        /// WebRTC's "moderate" likelihood (of 0...3) at sensitivity 0.5.
        public static let likelihood = 2
        public static let loudLUFS = -16.0
        public static let loudSeconds = 1.0
        /// Samples within ±1 LSB: a live microphone always shows a few LSB of noise, a muted
        /// or disconnected one (or a muted mixer) delivers exact zeros.
        public static let silentLevel: Int16 = 1
        public static let silentSeconds = 3.0
    }

    public var evaluatedSeconds: Double { coverage.seconds }

    private let vadConfig: DetectorConfig?
    private var speech: ConditionTracker?
    private var loud: ConditionTracker?
    private var silent: ConditionTracker?
    private let loudLimit: Double
    private var vad: VoiceActivity?
    private var loudness: MomentaryLoudness?
    /// Samples (at the VAD's rate) not yet making a whole 10 ms frame, and the time of the first.
    private var pending: [Int16] = []
    private var pendingStart = 0.0
    private var coverage = CoverageClock(maximumStep: 0.5)

    public init?(settings: DetectionSettings) {
        vadConfig = settings.config(for: "audio.speech")
        let loudConfig = settings.config(for: "audio.loud")
        let silentConfig = settings.config(for: "mic.silent")
        guard vadConfig != nil || loudConfig != nil || silentConfig != nil else { return nil }
        loudLimit = loudConfig?.decibels(Defaults.loudLUFS) ?? Defaults.loudLUFS
        if let config = vadConfig {
            speech = ConditionTracker(kind: "audio.speech", detector: Self.id, minimumSeconds: config.minimum(Defaults.speechSeconds),
                                      gapSeconds: Defaults.speechGapSeconds, thresholds: ["likelihood": Double(Self.likelihood(config))]) { seconds, _ in
                "Someone spoke for \(format(seconds)) s (WebRTC voice detection; pauses under \(format(Defaults.speechGapSeconds)) s bridged)."
            }
        }
        if let config = loudConfig {
            loud = ConditionTracker(kind: "audio.loud", detector: Self.id, minimumSeconds: config.minimum(Defaults.loudSeconds),
                                    gapSeconds: 0.3, thresholds: ["lufs": loudLimit]) { [loudLimit] seconds, measured in
                "The room was loud (momentary loudness \(format(measured["lufs"] ?? 0)) LUFS, above \(format(loudLimit)) LUFS) for \(format(seconds)) s."
            }
        }
        if let config = silentConfig {
            silent = ConditionTracker(kind: "mic.silent", detector: Self.id, minimumSeconds: config.minimum(Defaults.silentSeconds),
                                      gapSeconds: 0.2, thresholds: ["level": Double(Defaults.silentLevel)]) { seconds, _ in
                "The microphone delivered digital silence for \(format(seconds)) s: muted, unplugged or switched off; speech could not be heard."
            }
        }
    }

    static func likelihood(_ config: DetectorConfig) -> Int {
        min(3, max(0, Int((config.sensitivity * 4).rounded(.down))))
    }

    public mutating func inspect(_ audio: AudioBlock) throws(ProctorError) -> [TimelineEvent] {
        guard !audio.samples.isEmpty, audio.sampleRate > 0 else { return [] }
        var events: [TimelineEvent] = []
        try startIfNeeded(sampleRate: audio.sampleRate)
        let samples = resampled(audio)
        let rate = vad?.sampleRate ?? audio.sampleRate
        // A gap in the blocks (dropped or resumed audio) restarts the frame grid at the new block.
        if pending.isEmpty || abs(pendingStart + Double(pending.count) / Double(rate) - audio.time) > 0.05 {
            pending = []
            pendingStart = audio.time
        }
        pending.append(contentsOf: samples)
        let frame = rate / 100
        var used = 0
        while pending.count - used >= frame {
            let slice = pending[used..<(used + frame)]
            let time = pendingStart + Double(used) / Double(rate)
            let isSilent = slice.allSatisfy { $0 >= -Defaults.silentLevel && $0 <= Defaults.silentLevel }
            coverage.sample(at: time, evaluated: !isSilent)
            if let event = silent?.update(at: time, holds: isSilent) { events.append(event) }
            if let vad, speech != nil {
                let voiced = try vad.hasVoice(slice)
                if let event = speech?.update(at: time, holds: voiced) { events.append(event) }
            }
            used += frame
        }
        pending.removeFirst(used)
        pendingStart += Double(used) / Double(rate)

        if loud != nil {
            if loudness == nil || loudness?.sampleRate != audio.sampleRate { loudness = MomentaryLoudness(sampleRate: audio.sampleRate) }
            var measured: [(Double, Double)] = []
            loudness?.feed(audio.samples) { offset, lufs in
                measured.append((audio.time + Double(offset + 1) / Double(audio.sampleRate), lufs))
            }
            for (end, lufs) in measured {
                // Date the 400 ms window's judgement at its middle, so edges are off by at most 0.2 s.
                if let event = loud?.update(at: end - 0.2, holds: lufs > loudLimit, measured: ["lufs": lufs]) { events.append(event) }
            }
        }
        return events
    }

    public mutating func finish(at time: Double) -> [TimelineEvent] {
        coverage.finish(at: time)
        return [speech?.finish(at: time), loud?.finish(at: time), silent?.finish(at: time)].compactMap { $0 }
    }

    private mutating func startIfNeeded(sampleRate: Int) throws(ProctorError) {
        guard speech != nil else { return }
        let rate = VoiceActivity.supportedRates.contains(sampleRate) ? sampleRate : 16000
        if vad?.sampleRate != rate {
            vad = try VoiceActivity(sampleRate: rate, likelihood: Self.likelihood(vadConfig ?? DetectorConfig()))
            pending = []
        }
    }

    /// WebRTC's VAD runs at 8/16/32/48 kHz; anything else (44.1 kHz, 22.05 kHz) is linearly
    /// resampled to 16 kHz, plenty for telling voice from not-voice.
    private func resampled(_ audio: AudioBlock) -> [Int16] {
        guard let vad, vad.sampleRate != audio.sampleRate else { return audio.samples }
        let ratio = Double(audio.sampleRate) / Double(vad.sampleRate)
        let count = Int(Double(audio.samples.count) / ratio)
        return (0..<count).map { i in
            let position = Double(i) * ratio
            let index = Int(position), fraction = position - Double(index)
            let a = Double(audio.samples[index]), b = Double(audio.samples[min(index + 1, audio.samples.count - 1)])
            return Int16(clamping: Int((a + (b - a) * fraction).rounded()))
        }
    }
}
