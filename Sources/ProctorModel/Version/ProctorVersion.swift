/// proctor's version, written once: `--version`, the session metadata and the report's
/// generator line all read it.
public enum ProctorVersion {
    public static let string = "0.1.0"
}
