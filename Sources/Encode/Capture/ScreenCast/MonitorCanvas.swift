internal import CFFmpeg
import Foundation
import ProctorModel

/// Several monitors drawn into one BGR0 picture at their desktop positions (the bounding box
/// of all of them; gaps stay black).
final class MonitorCanvas {
    private let monitors: [ScreenCastPortal.Monitor]
    private let origin: (x: Int, y: Int)
    private let size: (width: Int32, height: Int32)
    private var scalers: [Scaler?]

    init(_ monitors: [ScreenCastPortal.Monitor]) {
        self.monitors = monitors
        let minX = monitors.map(\.x).min() ?? 0, minY = monitors.map(\.y).min() ?? 0
        let maxX = monitors.map { $0.x + $0.width }.max() ?? 2, maxY = monitors.map { $0.y + $0.height }.max() ?? 2
        origin = (minX, minY)
        // Even sizes: the encoder's 4:2:0 scaler rounds odd ones anyway.
        size = (Int32((maxX - minX + 1) & ~1), Int32((maxY - minY + 1) & ~1))
        scalers = Array(repeating: nil, count: monitors.count)
    }

    func draw(_ pictures: [Frame?]) throws(ProctorError) -> Frame {
        let canvas = Frame()
        canvas.pointer.pointee.width = size.width
        canvas.pointer.pointee.height = size.height
        canvas.pointer.pointee.format = AV_PIX_FMT_BGR0.rawValue
        try check(av_frame_get_buffer(canvas.pointer, 0), "av_frame_get_buffer", as: .library, "out of memory for the \(size.width)x\(size.height) screen canvas")
        guard let base = planeData(canvas.pointer, 0) else { return canvas }
        let stride = planeLineSize(canvas.pointer, 0)
        memset(base, 0, Int(stride) * Int(size.height))
        for (index, monitor) in monitors.enumerated() {
            guard let picture = pictures[index] else { continue }
            // The portal's size is the monitor's logical size; the picture may be scaled (HiDPI).
            let width = Int32(min(monitor.width, Int(size.width) - (monitor.x - origin.x)))
            let height = Int32(min(monitor.height, Int(size.height) - (monitor.y - origin.y)))
            guard width > 0, height > 0 else { continue }
            if scalers[index].map({ !$0.matches(picture) }) ?? true {
                scalers[index] = try Scaler(from: (picture.width, picture.height, picture.format), to: (width, height, AV_PIX_FMT_BGR0))
            }
            let offset = (monitor.y - origin.y) * Int(stride) + (monitor.x - origin.x) * 4
            let planes = (0..<4).map { UnsafePointer(planeData(picture.pointer, $0)) }
            let strides = (0..<4).map { planeLineSize(picture.pointer, $0) }
            try scalers[index]!.scale(planes, strides, height: picture.height, [base + offset, nil, nil, nil], [stride, 0, 0, 0])
        }
        return canvas
    }
}
