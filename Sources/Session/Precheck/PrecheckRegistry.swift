/// Every check `proctor precheck` runs, in the order shown. Adding a check is one line here.
public enum PrecheckRegistry {
    public static let checks: [any PrecheckCheck] = [
        ExamSignatureCheck(),
        LibrariesCheck(),
        EncodersCheck(),
        CipherCheck(),
        FaceDetectorCheck(),
        CameraCheck(),
        MicrophoneCheck(),
        ScreenCheck(),
        DisplaysCheck(),
        ForbiddenProgramsCheck(),
        DiskSpaceCheck(),
        // --headless self-tests.
        RecordingSelfTest(),
    ]
}
