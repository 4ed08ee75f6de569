internal import CDetectShim

/// Detect: detectors and the timeline they write.
public enum DetectModule {
    /// The dlib version the face detectors were built against, for precheck and reports.
    public static var dlibVersion: String { String(cString: proctor_dlib_version()) }
}
