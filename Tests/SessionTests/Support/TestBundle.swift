import Foundation

/// A stand-in for a sealed bundle: delivery treats bundles as opaque bytes, so random bytes of
/// a chosen size are a faithful payload (and incompressible, so no layer can shortcut them).
struct TestBundle {
    let folder: URL
    let url: URL
    let bytes: Data

    init(size: Int, name: String = "exam-\(UUID().uuidString.prefix(8)).proctor") throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-delivery-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        url = folder.appendingPathComponent(name)
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        defer { try? random.close() }
        bytes = try random.read(upToCount: size) ?? Data()
        try bytes.write(to: url)
    }

    var name: String { url.lastPathComponent }

    var receiptURL: URL { url.deletingLastPathComponent().appendingPathComponent(name + ".receipt.json") }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }
}
