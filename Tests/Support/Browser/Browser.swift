import Foundation
#if canImport(Glibc)
import Glibc
#endif
import TestTools

/// A real headless Chromium, driven through chromedriver's W3C WebDriver protocol (plain JSON
/// over HTTP on loopback), for the browser tests of `proctor review` and the student page.
///
/// Every call is synchronous and throws `BrowserError` with WebDriver's own message; waits are
/// on conditions (`waitUntil`), never fixed sleeps. `quit()` (or deinit) ends the browser and
/// the driver. Needs Debian's `chromium` and `chromium-driver` (`make setup`).
public final class Browser {
    public let sessionID: String
    private let driver: Process
    private let base: URL
    private let profile: URL

    public static var isAvailable: Bool {
        FileManager.default.isExecutableFile(atPath: chromedriverPath) && FileManager.default.isExecutableFile(atPath: chromiumPath)
    }
    static let chromedriverPath = ProcessInfo.processInfo.environment["CHROMEDRIVER"] ?? "/usr/bin/chromedriver"
    static let chromiumPath = ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/lib/chromium/chromium"

    public init(width: Int = 1280, height: Int = 900) throws {
        let port = try FreePort.pick()
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("proctor-chromium-\(UUID().uuidString)")
        driver = Process()
        driver.executableURL = URL(fileURLWithPath: Self.chromedriverPath)
        driver.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"] + (ProcessInfo.processInfo.environment["CHROMEDRIVER_LOG"].map { ["--verbose", "--log-path=\($0)"] } ?? [])
        driver.standardOutput = FileHandle.nullDevice
        driver.standardError = FileHandle.nullDevice
        try driver.run()
        base = URL(string: "http://127.0.0.1:\(port)")!
        do {
            try Self.waitForDriver(base)
            sessionID = try Self.newSession(base, profile: profile, width: width, height: height)
        } catch {
            Self.kill(driver)
            try? FileManager.default.removeItem(at: profile)
            throw error
        }
    }

    /// chromedriver ignores SIGTERM; the browser itself has already quit with the session.
    private static func kill(_ driver: Process) {
        Glibc.kill(driver.processIdentifier, SIGKILL)
        driver.waitUntilExit()
    }

    private static func newSession(_ base: URL, profile: URL, width: Int, height: Int) throws -> String {
        let capabilities: [String: Any] = [
            "capabilities": ["alwaysMatch": [
                "browserName": "chrome",
                "goog:chromeOptions": [
                    "binary": chromiumPath,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--window-size=\(width),\(height)", "--autoplay-policy=no-user-gesture-required",
                        "--user-data-dir=\(profile.path)", "--no-first-run", "--disable-extensions",
                    ],
                ],
            ]],
        ]
        let answer = try Self.call(base.appendingPathComponent("session"), method: "POST", body: capabilities)
        guard let value = answer as? [String: Any], let id = value["sessionId"] as? String else {
            throw BrowserError("chromedriver gave no session: \(String(describing: answer))")
        }
        return id
    }

    deinit { quit() }

    public func quit() {
        if driver.isRunning {
            _ = try? command("", method: "DELETE")
            Self.kill(driver)
        }
        try? FileManager.default.removeItem(at: profile)
    }

    // MARK: Pages and elements

    public func open(_ url: URL) throws { _ = try command("url", body: ["url": url.absoluteString]) }

    public var currentURL: String { get throws { try command("url", method: "GET") as? String ?? "" } }

    public var title: String { get throws { try command("title", method: "GET") as? String ?? "" } }

    public func element(_ css: String) throws -> Element {
        let answer = try command("element", body: ["using": "css selector", "value": css])
        guard let object = answer as? [String: Any], let id = object.values.first as? String else {
            throw BrowserError("no element for \(css)")
        }
        return Element(browser: self, id: id, selector: css)
    }

    public func elements(_ css: String) throws -> [Element] {
        let answer = try command("elements", body: ["using": "css selector", "value": css]) as? [[String: Any]] ?? []
        return answer.compactMap { $0.values.first as? String }.map { Element(browser: self, id: $0, selector: css) }
    }

    /// Runs `script` (a function body; `arguments[0]`... are `args`) and returns its JSON value.
    @discardableResult
    public func execute(_ script: String, _ args: [Any] = []) throws -> Any? {
        try command("execute/sync", body: ["script": script, "args": args])
    }

    /// Runs a script that calls `arguments[arguments.length - 1](value)` when it is done.
    @discardableResult
    public func executeAsync(_ script: String, _ args: [Any] = []) throws -> Any? {
        try command("execute/async", body: ["script": script, "args": args])
    }

    /// Presses keys on the focused element (or the page): WebDriver key codes, e.g. "\u{E00D}" space.
    public func pressKeys(_ keys: String) throws {
        let down = keys.unicodeScalars.map { ["type": "keyDown", "value": String($0)] }
        let up = keys.unicodeScalars.map { ["type": "keyUp", "value": String($0)] }
        var actions: [[String: String]] = []
        for (d, u) in zip(down, up) { actions.append(d); actions.append(u) }
        _ = try command("actions", body: ["actions": [["type": "key", "id": "keyboard", "actions": actions]]])
        _ = try command("actions", method: "DELETE")
    }

    public func screenshot(to file: URL) throws {
        guard let base64 = try command("screenshot", method: "GET") as? String, let png = Data(base64Encoded: base64) else {
            throw BrowserError("the screenshot came back empty")
        }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try png.write(to: file)
    }

    /// Polls `condition` every 50 ms until it is true, or throws after `timeout` seconds with
    /// `what` in the message.
    public func waitUntil(_ what: String, timeout: TimeInterval = 10, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var lastError: Error?
        while Date() < deadline {
            do { if try condition() { return } } catch { lastError = error }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw BrowserError("timed out after \(timeout) s waiting for \(what)\(lastError.map { ": \($0)" } ?? "")")
    }

    // MARK: Accessibility

    public struct AxeViolation: CustomStringConvertible {
        public let id: String
        public let impact: String
        public let help: String
        public let targets: [String]
        public var description: String { "\(impact) \(id): \(help) at \(targets.joined(separator: ", "))" }
    }

    /// axe-core's WCAG 2.1 A/AA rules on the current page; `impacts` keeps only those levels.
    public func axeViolations(impacts: Set<String> = ["serious", "critical"]) throws -> [AxeViolation] {
        let source = try String(contentsOf: AxeCore.script, encoding: .utf8)
        try execute(source + "\n;window.__proctorAxe = axe;")
        let result = try executeAsync("""
            const done = arguments[arguments.length - 1];
            window.__proctorAxe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
              .then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify({error: String(e)})));
            """)
        guard let text = result as? String, let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else {
            throw BrowserError("axe did not run: \(String(describing: result))")
        }
        return parsed.compactMap { violation in
            let impact = violation["impact"] as? String ?? "unknown"
            guard impacts.contains(impact) else { return nil }
            let nodes = violation["nodes"] as? [[String: Any]] ?? []
            return AxeViolation(
                id: violation["id"] as? String ?? "?", impact: impact, help: violation["help"] as? String ?? "",
                targets: nodes.compactMap { ($0["target"] as? [String])?.joined(separator: " ") })
        }
    }

    // MARK: Protocol

    func command(_ path: String, method: String = "POST", body: [String: Any]? = nil) throws -> Any? {
        var url = base.appendingPathComponent("session").appendingPathComponent(sessionID)
        if !path.isEmpty { url = url.appendingPathComponent(path) }
        return try Self.call(url, method: method, body: method == "POST" ? (body ?? [:]) : nil)
    }

    /// chromedriver's HTTP over a plain socket: URLSession on Linux fails its first requests
    /// ("Failed writing header") when called from a test.
    static func call(_ url: URL, method: String, body: [String: Any]?) throws -> Any? {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let headers = body == nil ? [:] : ["Content-Type": "application/json"]
        let response = try RawHTTP(port: url.port ?? 80, timeoutSeconds: 120).send(method, url.path, headers: headers, body: payload)
        guard let json = try JSONSerialization.jsonObject(with: response.body, options: [.fragmentsAllowed]) as? [String: Any] else {
            throw BrowserError("\(method) \(url.path): no JSON answer (HTTP \(response.status))")
        }
        let value = json["value"]
        if let object = value as? [String: Any], let error = object["error"] as? String {
            throw BrowserError("\(error): \(object["message"] as? String ?? "")")
        }
        return value is NSNull ? nil : value
    }

    private static func waitForDriver(_ base: URL) throws {
        let deadline = Date().addingTimeInterval(20)
        var lastError: Error?
        while Date() < deadline {
            do {
                if let status = try call(base.appendingPathComponent("status"), method: "GET", body: nil) as? [String: Any],
                   status["ready"] as? Bool == true { return }
            } catch { lastError = error }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw BrowserError("chromedriver did not become ready within 20 s\(lastError.map { ": \($0)" } ?? "")")
    }
}

/// One element found by CSS selector.
public struct Element {
    let browser: Browser
    let id: String
    public let selector: String

    public func click() throws { _ = try browser.command("element/\(id)/click") }
    public func type(_ text: String) throws { _ = try browser.command("element/\(id)/value", body: ["text": text]) }
    public var text: String { get throws { try browser.command("element/\(id)/text", method: "GET") as? String ?? "" } }
    public func attribute(_ name: String) throws -> String? {
        try browser.command("element/\(id)/attribute/\(name)", method: "GET") as? String
    }
    public func property(_ name: String) throws -> Any? { try browser.command("element/\(id)/property/\(name)", method: "GET") }
}

public struct BrowserError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where `make setup` put axe.min.js (scripts/browser/fetch-axe.sh).
public enum AxeCore {
    public static var script: URL {
        if let path = ProcessInfo.processInfo.environment["AXE_CORE_JS"] { return URL(fileURLWithPath: path) }
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { directory.deleteLastPathComponent() }
        return directory.appendingPathComponent(".build/test-tools/axe/axe.min.js")
    }
}

/// A port nothing listens on now (bound to 127.0.0.1:0 and released).
public enum FreePort {
    public static func pick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BrowserError("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else { throw BrowserError("bind to a free port failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
