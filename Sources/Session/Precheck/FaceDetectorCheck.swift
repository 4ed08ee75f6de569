import Detect

/// Which face detector a recording would use here, and why: libfacedetection's CNN where the
/// CPU has AVX2 and the library is installed, else dlib's HOG alone, which misses more faces in
/// backlight and side light, darker faces most (docs/detectors.md, "Which face detector runs").
struct FaceDetectorCheck: PrecheckCheck {
    let id = "faces.detector"
    let title = "Face detector"
    let mode = PrecheckMode.always

    func run(_ context: PrecheckContext) -> PrecheckResult {
        switch FaceEngine.available() {
        case .network(let path):
            return PrecheckResult(.pass, "libfacedetection CNN (\(path)), dlib \(DetectModule.dlibVersion) HOG as second opinion")
        case .hog(let reason):
            return PrecheckResult(.warn, "dlib \(DetectModule.dlibVersion) HOG only: \(reason)",
                                  hint: FaceNetwork.cpuSupported ? "Install proctor with `make install` (or run `make setup` in a checkout)"
                                                                 : "Faces are still checked; in poor light make sure your face is lit from the front")
        }
    }
}
