import Hummingbird

/// Static files (HTML, CSS, JavaScript, icons) compiled into the binary, so an installed
/// `proctor` needs no share folder and a page can never load something from elsewhere. A module
/// with pages lists its files as SwiftPM `.embedInCode` resources and hands the bytes here.
package struct EmbeddedAssets: Sendable {
    package struct Asset: Sendable {
        package let bytes: [UInt8]
        package let contentType: String
    }

    private let assets: [String: Asset]

    /// `files` maps a URL path ("/review.js") to its bytes; the type follows the extension.
    package init(_ files: [String: [UInt8]]) {
        assets = files.mapValues { Asset(bytes: $0, contentType: "") }
            .reduce(into: [:]) { result, entry in
                result[entry.key] = Asset(bytes: entry.value.bytes, contentType: Self.contentType(for: entry.key))
            }
    }

    package var paths: [String] { assets.keys.sorted() }

    package func asset(at path: String) -> Asset? { assets[path] }

    /// Adds a GET route per asset. Assets are immutable for the life of the binary, but they
    /// are small and the CSP forbids everything else, so they are not cached either: an upgraded
    /// binary is never served stale scripts.
    package func register<Context: RequestContext>(on router: some RouterMethods<Context>) {
        for (path, asset) in assets {
            router.get(RouterPath(path)) { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = asset.contentType
                var buffer = ByteBuffer()
                buffer.writeBytes(asset.bytes)
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
            }
        }
    }

    /// By extension; a path without one ("/", "/attempt") is a page.
    static func contentType(for path: String) -> String {
        let name = path.split(separator: "/").last ?? ""
        guard name.contains(".") else { return "text/html; charset=utf-8" }
        switch name.split(separator: ".").last.map({ $0.lowercased() }) {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "json": return "application/json"
        case "svg": return "image/svg+xml"
        case "png": return "image/png"
        case "ico": return "image/x-icon"
        default: return "application/octet-stream"
        }
    }
}
