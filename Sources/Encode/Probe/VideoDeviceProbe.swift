internal import CFFmpeg
import Foundation
import ProctorModel

/// What a V4L2 device offers, read with the VIDIOC_ENUM_* ioctls (no streaming is started,
/// so the probe never holds the camera another program is using).
public struct VideoDeviceProbe: Sendable, Equatable {
    public struct Mode: Sendable, Equatable, CustomStringConvertible {
        /// FourCC, e.g. "MJPG" or "YUYV".
        public var pixelFormat: String
        public var width: Int
        public var height: Int
        /// Frames per second offered at this size (empty when the driver does not say).
        public var rates: [Double]

        public var description: String {
            "\(pixelFormat) \(width)x\(height)" + (rates.isEmpty ? "" : " @ " + rates.map { String(format: "%g", $0) }.joined(separator: "/"))
        }
    }

    public let device: String
    /// The driver's card name, e.g. "Integrated Camera".
    public let card: String
    public let modes: [Mode]
    /// Driver, card and bus as VIDIOC_QUERYCAP reported them.
    public let capability: VirtualDeviceClassifier.VideoCapability

    /// Why this node is a loopback or virtual camera, or nil for a real one.
    public var virtual: VirtualDeviceClassifier.Verdict? { VirtualDeviceClassifier.camera(capability) }

    /// Opens `device` read-only for enumeration. Missing device: `.deviceUnavailable`;
    /// held exclusively or no permission: `.deviceBusy`; not a capture device: `.unsupported`.
    public static func probe(_ device: String) throws(ProctorError) -> VideoDeviceProbe {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor(opening: device, O_RDWR | O_NONBLOCK, "open")
        } catch {
            // A device, not a file: the errno says whether it is missing, held or forbidden.
            let reason = String(cString: strerror(error.underlying ?? EIO))
            switch error.underlying {
            case ENOENT, ENODEV, ENXIO:
                throw ProctorError(.deviceUnavailable, "camera \(device) was not found", detail: "open: \(reason)", underlying: error.underlying)
            case EBUSY:
                throw ProctorError(.deviceBusy, "camera \(device) is in use by another program", detail: "open: \(reason)", underlying: error.underlying)
            case EACCES, EPERM:
                throw ProctorError(.deviceBusy, "camera \(device) cannot be opened: permission denied (is your user in the 'video' group?)",
                                   detail: "open: \(reason)", underlying: error.underlying)
            default:
                throw ProctorError(.deviceUnavailable, "camera \(device) cannot be opened: \(reason)", detail: "open: \(reason)", underlying: error.underlying)
            }
        }
        // The ioctls below use the number; the descriptor must outlive them.
        defer { withExtendedLifetime(descriptor) {} }
        let fd = descriptor.raw

        var capability = v4l2_capability()
        guard proctor_v4l2_ioctl(fd, proctor_vidioc_querycap(), &capability) == 0 else {
            throw ProctorError(.unsupported, "\(device) is not a camera (not a V4L2 video device)",
                              detail: "VIDIOC_QUERYCAP: \(String(cString: strerror(errno)))")
        }
        // device_caps describes this node; capabilities the whole physical device.
        let caps = capability.capabilities & UInt32(V4L2_CAP_DEVICE_CAPS) != 0 ? capability.device_caps : capability.capabilities
        guard caps & UInt32(V4L2_CAP_VIDEO_CAPTURE) != 0 else {
            throw ProctorError(.unsupported, "\(device) is a video device that cannot capture (a metadata or output node?)")
        }
        let card = withUnsafeBytes(of: capability.card) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let driver = withUnsafeBytes(of: capability.driver) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let bus = withUnsafeBytes(of: capability.bus_info) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return VideoDeviceProbe(device: device, card: card, modes: enumerateModes(fd),
                                capability: .init(driver: driver, card: card, busInfo: bus))
    }

    /// The camera nodes present, lowest number first: the ones `--camera auto` picks from.
    public static func devices() -> [String] { SourceResolver().cameraNodes() }

    /// True when some mode is at least `width` x `height` and offers at least `fps`
    /// (a mode with unknown rates counts: the driver will say at open time).
    public func supports(width: Int, height: Int, fps: Int) -> Bool {
        modes.contains { $0.width >= width && $0.height >= height && ($0.rates.isEmpty || $0.rates.contains { $0 >= Double(fps) - 0.5 }) }
    }

    private static func enumerateModes(_ fd: Int32) -> [Mode] {
        var modes: [Mode] = []
        var format = v4l2_fmtdesc()
        format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE.rawValue
        while proctor_v4l2_ioctl(fd, proctor_vidioc_enum_fmt(), &format) == 0 {
            let fourcc = fourCC(format.pixelformat)
            var size = v4l2_frmsizeenum()
            size.pixel_format = format.pixelformat
            while proctor_v4l2_ioctl(fd, proctor_vidioc_enum_framesizes(), &size) == 0 {
                if size.type == V4L2_FRMSIZE_TYPE_DISCRETE.rawValue {
                    let (w, h) = (size.discrete.width, size.discrete.height)
                    modes.append(Mode(pixelFormat: fourcc, width: Int(w), height: Int(h), rates: rates(fd, format.pixelformat, w, h)))
                } else {
                    // Stepwise/continuous: report the largest size; any smaller one is possible.
                    let (w, h) = (size.stepwise.max_width, size.stepwise.max_height)
                    modes.append(Mode(pixelFormat: fourcc, width: Int(w), height: Int(h), rates: rates(fd, format.pixelformat, w, h)))
                    break
                }
                size.index += 1
            }
            format.index += 1
        }
        return modes
    }

    private static func rates(_ fd: Int32, _ pixelFormat: UInt32, _ width: UInt32, _ height: UInt32) -> [Double] {
        var interval = v4l2_frmivalenum()
        interval.pixel_format = pixelFormat
        interval.width = width
        interval.height = height
        var rates: [Double] = []
        while proctor_v4l2_ioctl(fd, proctor_vidioc_enum_frameintervals(), &interval) == 0 {
            // Intervals are seconds per frame; stepwise ranges give their fastest end.
            let fraction = interval.type == V4L2_FRMIVAL_TYPE_DISCRETE.rawValue ? interval.discrete : interval.stepwise.min
            if fraction.numerator > 0 { rates.append(Double(fraction.denominator) / Double(fraction.numerator)) }
            if interval.type != V4L2_FRMIVAL_TYPE_DISCRETE.rawValue { break }
            interval.index += 1
        }
        return rates
    }

    private static func fourCC(_ code: UInt32) -> String {
        String(decoding: (0..<4).map { UInt8((code >> ($0 * 8)) & 0xff) }, as: UTF8.self)
    }
}
