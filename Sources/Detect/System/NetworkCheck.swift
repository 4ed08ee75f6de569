/// `network.changed`: interfaces going up or down, or local addresses appearing or going,
/// between samples (a phone tethered, a VPN started). From /sys/class/net/*/operstate,
/// /proc/net/fib_trie (IPv4 local addresses) and /proc/net/if_inet6.
import ProctorModel

struct NetworkCheck: SystemCheck {
    static let id = EventKind.Writer.system
    private let roots: SystemRoots
    private var last: Set<String>?

    init?(settings: DetectionSettings, roots: SystemRoots) {
        guard settings.config(for: "network.changed") != nil else { return nil }
        self.roots = roots
    }

    /// "if eth0 up", "addr 10.0.0.5", "addr fd00::1" — loopback left out.
    func snapshot() -> Set<String> {
        var facts: Set<String> = []
        let net = roots.sys + "/class/net"
        for interface in roots.list(net) where interface != "lo" {
            let state = roots.read("\(net)/\(interface)/operstate")?.trimmingWhitespace() ?? "unknown"
            facts.insert("if \(interface) \(state)")
        }
        // fib_trie lists each local IPv4 address on the line before "/32 host LOCAL".
        if let trie = roots.read("\(roots.proc)/net/fib_trie") {
            var previous = ""
            for line in trie.split(separator: "\n") {
                if line.contains("/32 host LOCAL"), let address = previous.split(separator: " ").last,
                   !address.hasPrefix("127.") {
                    facts.insert("addr \(address)")
                }
                previous = String(line)
            }
        }
        if let inet6 = roots.read("\(roots.proc)/net/if_inet6") {
            for line in inet6.split(separator: "\n") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                guard fields.count >= 6, fields[5] != "lo" else { continue }
                facts.insert("addr \(Self.ipv6(String(fields[0])))")
            }
        }
        return facts
    }

    static func ipv6(_ hex: String) -> String {
        var groups: [String] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let end = hex.index(index, offsetBy: 4, limitedBy: hex.endIndex) ?? hex.endIndex
            let group = hex[index..<end].drop { $0 == "0" }
            groups.append(group.isEmpty ? "0" : String(group))
            index = end
        }
        return groups.joined(separator: ":")
    }

    mutating func sample(at time: Double) -> [TimelineEvent] {
        let now = snapshot()
        defer { last = now }
        guard let last, last != now else { return [] }
        let added = now.subtracting(last).sorted(), removed = last.subtracting(now).sorted()
        let change = (added.map { "+" + $0 } + removed.map { "-" + $0 }).joined(separator: "; ")
        return [TimelineEvent(kind: "network.changed", detector: Self.id, severity: .flag, start: time,
                              measured: ["added": Double(added.count), "removed": Double(removed.count)],
                              message: "The network changed: \(change).", subject: change)]
    }
}
