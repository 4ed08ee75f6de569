import Foundation
import XCTest
@testable import Encode

/// The classifier on the strings real drivers report (Tests/Fixtures/devices): this machine has
/// no V4L2 device and no loopback card, so fixtures stand in for the kernel's answers.
final class VirtualDeviceClassifierTests: XCTestCase {
    private struct Fixture<Device: Decodable>: Decodable { let devices: [Device] }
    private struct Camera: Decodable { let name, driver, card, busInfo: String; let virtual: Bool }
    private struct Microphone: Decodable { let name, pcm, cardId, cardName, driver, pcmName: String; let virtual: Bool }

    private func load<T: Decodable>(_ file: String) throws -> [T] {
        let url = Fixtures.directory.appendingPathComponent("devices/\(file)")
        return try JSONDecoder().decode(Fixture<T>.self, from: Data(contentsOf: url)).devices
    }

    func testEachCameraKindFromQueryCap() throws {
        let cameras: [Camera] = try load("v4l2-querycap.json")
        XCTAssertEqual(cameras.filter(\.virtual).count, 6)
        for camera in cameras {
            let verdict = VirtualDeviceClassifier.camera(.init(driver: camera.driver, card: camera.card, busInfo: camera.busInfo))
            XCTAssertEqual(verdict != nil, camera.virtual, "\(camera.name): \(verdict?.description ?? "real")")
        }
        let obs = VirtualDeviceClassifier.camera(.init(driver: "v4l2 loopback", card: "OBS Virtual Camera", busInfo: "platform:v4l2loopback-000"))
        XCTAssertEqual(obs?.description, "driver 'v4l2 loopback' is the v4l2loopback driver")
        let renamedOBS = VirtualDeviceClassifier.camera(.init(driver: "uvcvideo", card: "OBS Virtual Camera", busInfo: "usb-1"))
        XCTAssertEqual(renamedOBS?.description, "card 'OBS Virtual Camera' is OBS Studio's virtual camera")
        let akvcam = VirtualDeviceClassifier.camera(.init(driver: "akvcam", card: "akvcam (capture)", busInfo: "platform:akvcam-0"))
        XCTAssertEqual(akvcam?.field, "driver")
        XCTAssertEqual(akvcam?.reason, "the akvcam virtual camera")
        XCTAssertEqual(VirtualDeviceClassifier.camera(.init(driver: "vivid", card: "vivid", busInfo: "platform:vivid-000"))?.reason,
                       "the kernel's virtual video test driver")
    }

    func testEachMicrophoneKindFromALSACardData() throws {
        let microphones: [Microphone] = try load("alsa-capture.json")
        XCTAssertEqual(microphones.filter(\.virtual).count, 6)
        for mic in microphones {
            let card = VirtualDeviceClassifier.AudioCard(pcm: mic.pcm, cardId: mic.cardId, cardName: mic.cardName, driver: mic.driver, pcmName: mic.pcmName)
            let verdict = VirtualDeviceClassifier.microphone(card)
            XCTAssertEqual(verdict != nil, mic.virtual, "\(mic.name): \(verdict?.description ?? "real")")
        }
        let aloop = VirtualDeviceClassifier.microphone(.init(pcm: "hw:2,1", cardId: "Loopback", cardName: "Loopback", driver: "Loopback", pcmName: "Loopback PCM"))
        XCTAssertEqual(aloop?.description, "card id 'Loopback' is an ALSA loopback (snd-aloop): it records what another program plays")
        let monitor = VirtualDeviceClassifier.microphone(.init(pcm: "pulse (PULSE_SOURCE=alsa_output.pci-0000_00_1f.3.analog-stereo.monitor)"))
        XCTAssertEqual(monitor?.reason, "a monitor source: it records what the computer plays")
    }

    /// The live path on this machine: ALSA's null PCM has no card, and the verdict says real.
    func testProbingARealPCMGivesNoVerdict() throws {
        let card = try AudioDeviceProbe.probe("null", environment: [:])
        XCTAssertEqual(card.pcm, "null")
        XCTAssertEqual(card.cardId, "")
        XCTAssertNil(VirtualDeviceClassifier.microphone(card))
        XCTAssertNotNil(VirtualDeviceClassifier.microphone(try AudioDeviceProbe.probe("null", environment: ["PULSE_SOURCE": "x.monitor"])))
        XCTAssertNil(VirtualDeviceClassifier.inspect(camera: .v4l2(device: "/dev/video-none")), "a missing camera is not a verdict")
    }
}
