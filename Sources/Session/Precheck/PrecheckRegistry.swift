/// Every check `proctor precheck` runs, in the order shown. Adding a check is one line here.
public enum PrecheckRegistry {
    public static let checks: [any PrecheckCheck] = [
        ExamSignatureCheck(),
        LibrariesCheck(),
        EncodersCheck(),
        AESGCMCheck(),
        CameraCheck(),
        MicrophoneCheck(),
        ScreenCheck(),
        DisplaysCheck(),
        ForbiddenProgramsCheck(),
        DiskSpaceCheck(),
        // --headless self-tests, one line each as their parts land on main:
        //   encode 2 s of lavfi test sources through the recording pipeline (issue 4),
        //   seal and reopen them as a bundle (issue 3),
        //   run each detector once on a fixture frame (issue 5).
    ]
}
