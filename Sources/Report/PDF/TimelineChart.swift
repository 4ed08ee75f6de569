import ProctorModel


/// The whole session on one chart: one lane per event kind across exam time, flagged spans
/// drawn as hatched dark-red bars and "could not evaluate" spans as dotted grey bars (readable in
/// black and white), part boundaries as dashed lines, and the microphone level as a trace.
struct TimelineChart {
    let model: ReportModel
    let flow: PageFlow

    private let labelWidth = 120.0
    private let laneHeight = 15.0
    private let traceHeight = 46.0
    private let maxLanes = 24

    /// Kinds shown as lanes: flagged kinds first (most flagged time first), then coverage kinds.
    var lanes: [(kind: String, severity: TimelineEvent.Severity)] {
        var seen: [String: (TimelineEvent.Severity, Double)] = [:]
        for event in model.timeline where event.severity != .info {
            let previous = seen[event.kind]?.1 ?? 0
            let severity: TimelineEvent.Severity = seen[event.kind]?.0 == .flag ? .flag : event.severity
            seen[event.kind] = (severity, previous + event.duration)
        }
        return seen.sorted {
            ($0.value.0 == .flag ? 0 : 1, -$0.value.1, $0.key) < ($1.value.0 == .flag ? 0 : 1, -$1.value.1, $1.key)
        }.prefix(maxLanes).map { ($0.key, $0.value.0) }
    }

    func draw() {
        flow.heading("Timeline")
        let lanes = self.lanes
        let chartHeight = Double(max(lanes.count, 1)) * laneHeight + traceHeight + 44
        flow.ensureSpace(chartHeight)
        let canvas = flow.canvas
        let x0 = flow.left + labelWidth, width = flow.contentWidth - labelWidth
        let span = max(model.duration, model.timeline.map { $0.end ?? $0.start }.max() ?? 0, 1)
        func x(_ t: Double) -> Double { x0 + max(0, min(t, span)) / span * width }
        let top = flow.y

        if lanes.isEmpty {
            canvas.text("No flags and no coverage gaps.", x: flow.left, y: top + 2, color: .gray)
        }
        for (n, lane) in lanes.enumerated() {
            let y = top + Double(n) * laneHeight
            if n % 2 == 0 { canvas.fillRect(x: x0, y: y, width: width, height: laneHeight, color: .paleGray) }
            canvas.text(lane.kind, x: flow.left, y: y + 2, width: labelWidth - 4, font: .small)
            for event in model.timeline where event.kind == lane.kind && event.severity != .info {
                // Instants and very short spans stay visible as a thin bar.
                let left = x(event.start), right = max(x(event.end ?? event.start), left + 1.5)
                if event.severity == .flag {
                    canvas.fillRect(x: left, y: y + 2, width: right - left, height: laneHeight - 4, color: .flagRed)
                    canvas.hatch(x: left, y: y + 2, width: right - left, height: laneHeight - 4, color: .black, spacing: 2.5)
                } else {
                    canvas.fillRect(x: left, y: y + 4, width: right - left, height: laneHeight - 8, color: .lightGray)
                    canvas.strokeRect(x: left, y: y + 4, width: right - left, height: laneHeight - 8, color: .gray, lineWidth: 0.4)
                }
            }
        }
        let lanesBottom = top + Double(max(lanes.count, 1)) * laneHeight
        let traceTop = lanesBottom + 4
        drawTrace(x0: x0, width: width, top: traceTop, span: span)
        let axisY = traceTop + traceHeight + 2
        for part in model.parts.dropFirst() {
            canvas.line(from: (x(part.start), top), to: (x(part.start), axisY), color: .blue, lineWidth: 0.8, dash: [3, 2])
        }
        drawAxis(x0: x0, width: width, y: axisY, span: span)
        flow.advance(axisY + 14 - top)
        legend()
    }

    /// The level in dBFS from -60 (bottom) to 0 (top), reduced to one point per half point of
    /// width by taking each bucket's loudest value, so short bursts stay visible.
    private func drawTrace(x0: Double, width: Double, top: Double, span: Double) {
        let canvas = flow.canvas
        canvas.text("audio level (dBFS)", x: flow.left, y: top + traceHeight / 2 - 5, width: labelWidth - 4, font: .small)
        canvas.strokeRect(x: x0, y: top, width: width, height: traceHeight, color: .lightGray, lineWidth: 0.4)
        guard !model.audioLevels.isEmpty else {
            canvas.text("no audio level recorded", x: x0 + 4, y: top + traceHeight / 2 - 5, font: .small, color: .gray)
            return
        }
        let buckets = Int(width * 2)
        var peak = [Double?](repeating: nil, count: buckets)
        for level in model.audioLevels {
            let b = min(buckets - 1, max(0, Int(level.time / span * Double(buckets))))
            peak[b] = max(peak[b] ?? -120, level.dbfs)
        }
        let points = peak.enumerated().compactMap { b, dbfs -> (Double, Double)? in
            guard let dbfs else { return nil }
            let clamped = max(-60, min(0, dbfs))
            return (x0 + (Double(b) + 0.5) / Double(buckets) * width, top + traceHeight * (clamped / -60))
        }
        canvas.polyline(points, color: .black, lineWidth: 0.5)
    }

    private func drawAxis(x0: Double, width: Double, y: Double, span: Double) {
        let canvas = flow.canvas
        canvas.line(from: (x0, y), to: (x0 + width, y), color: .black)
        // A tick step from a 1-2-5 style ladder that gives at most ~8 labels.
        let steps: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400]
        let step = steps.first { span / $0 <= 8 } ?? 28800
        var t = 0.0
        while t <= span + 0.001 {
            let px = x0 + t / span * width
            canvas.line(from: (px, y), to: (px, y + 3), color: .black)
            canvas.text(ReportFormat.clock(t), x: px - 30, y: y + 3, width: 60, font: .small, alignment: .center)
            t += step
        }
    }

    private func legend() {
        let canvas = flow.canvas
        let y = flow.y
        var x = flow.left
        func label(_ text: String) {
            canvas.text(text, x: x, y: y, font: .small)
            x += canvas.measure(text, font: .small).width + 14
        }
        canvas.fillRect(x: x, y: y + 2, width: 18, height: 8, color: .flagRed)
        canvas.hatch(x: x, y: y + 2, width: 18, height: 8, color: .black, spacing: 2.5)
        x += 22
        label("flagged (counts toward the score)")
        canvas.fillRect(x: x, y: y + 3, width: 18, height: 6, color: .lightGray)
        canvas.strokeRect(x: x, y: y + 3, width: 18, height: 6, color: .gray, lineWidth: 0.4)
        x += 22
        label("detector could not evaluate (never counts)")
        canvas.line(from: (x, y + 6), to: (x + 18, y + 6), color: .blue, lineWidth: 0.8, dash: [3, 2])
        x += 22
        label("part boundary")
        flow.advance(18)
    }
}
