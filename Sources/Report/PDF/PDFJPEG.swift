internal import CCairo
import Foundation
import ProctorModel

/// A JPEG ready to be placed in a PDF: a cairo image surface of the JPEG's size carrying the
/// JPEG bytes as mime data. cairo's PDF backend writes such a surface as the JPEG stream itself
/// (DCTDecode) whenever it can read the JPEG's header, which `init` checks first, so the surface's
/// own pixels are never used and are not decoded: placing a photo costs no JPEG decode at all.
final class PDFJPEG {
    let width: Int
    let height: Int
    let surface: OpaquePointer

    init(_ bytes: [UInt8]) throws(ProctorError) {
        guard let header = JPEGHeader(bytes) else {
            throw ProctorError(.badData, "an image in the bundle is not a JPEG the report can embed")
        }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(header.width), Int32(header.height)) else {
            throw ProctorError(.internalFailure, "cairo could not allocate a \(header.width)x\(header.height) image")
        }
        // cairo keeps the pointer until the surface dies and then calls the destroy function:
        // give it its own malloc'd copy so the Swift array's lifetime does not matter.
        let copy = malloc(bytes.count)!
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        let status = cairo_surface_set_mime_data(surface, "image/jpeg", copy.assumingMemoryBound(to: UInt8.self),
                                                 UInt(bytes.count), { free($0) }, copy)
        guard status == CAIRO_STATUS_SUCCESS else {
            free(copy)
            cairo_surface_destroy(surface)
            throw ProctorError(.internalFailure, "cairo refused the JPEG data", detail: PDFCanvas.describe(status))
        }
        self.surface = surface
        self.width = header.width
        self.height = header.height
    }

    deinit {
        cairo_surface_destroy(surface)
    }
}

/// The frame header of a JPEG (the SOFn segment): size and component count. cairo embeds a
/// JPEG only with 1, 3 or 4 components, the same check it makes itself.
struct JPEGHeader: Equatable {
    let width: Int
    let height: Int
    let components: Int

    init(width: Int, height: Int, components: Int) {
        self.width = width
        self.height = height
        self.components = components
    }

    init?(_ bytes: [UInt8]) {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var i = 2
        while i + 4 <= bytes.count {
            guard bytes[i] == 0xFF else { return nil }
            let marker = bytes[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            // SOF0...SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard i + 9 < bytes.count else { return nil }
                height = Int(bytes[i + 5]) << 8 | Int(bytes[i + 6])
                width = Int(bytes[i + 7]) << 8 | Int(bytes[i + 8])
                components = Int(bytes[i + 9])
                guard width > 0, height > 0, [1, 3, 4].contains(components) else { return nil }
                return
            }
            if marker == 0xD9 || marker == 0xDA { return nil }  // end of image or scan before any frame header
            i += 2 + length
        }
        return nil
    }
}
