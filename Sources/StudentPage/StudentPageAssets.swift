import WebLayer

/// The page's files, compiled into the binary (SwiftPM `.embedInCode`): no share folder, and
/// nothing a page could load from elsewhere.
enum StudentPageAssets {
    static let files = EmbeddedAssets([
        "/": PackageResources.index_html,
        "/student.js": PackageResources.student_js,
        "/student.css": PackageResources.student_css,
    ])
}
