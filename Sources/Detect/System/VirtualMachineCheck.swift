/// `vm.detected`: the exam runs inside a virtual machine, from the firmware's DMI strings
/// (/sys/class/dmi/id) and the CPU's "hypervisor" flag (/proc/cpuinfo). Judged once, at the
/// first sample: a machine does not stop being virtual during an exam.
import ProctorModel

struct VirtualMachineCheck: SystemCheck {
    static let id = EventKind.Writer.system
    static let dmiFiles = ["sys_vendor", "product_name", "product_version", "board_vendor", "bios_vendor", "chassis_vendor"]
    /// Vendor strings hypervisors write into the virtual firmware (lower-cased substrings).
    static let markers = ["qemu", "kvm", "vmware", "virtualbox", "innotek", "xen", "bochs", "parallels",
                          "bhyve", "virtual machine", "hyper-v", "openstack", "amazon ec2", "google compute engine", "cloud hypervisor"]

    private let roots: SystemRoots
    private var done = false

    init?(settings: DetectionSettings, roots: SystemRoots) {
        guard settings.config(for: "vm.detected") != nil else { return nil }
        self.roots = roots
    }

    /// What gave the VM away, or an empty list on bare metal.
    func evidence() -> [String] {
        var found: [String] = []
        for file in Self.dmiFiles {
            guard let value = roots.read("\(roots.sys)/class/dmi/id/\(file)")?.trimmingWhitespace(), !value.isEmpty else { continue }
            let lower = value.lowercased()
            if Self.markers.contains(where: { lower.contains($0) }) { found.append("\(file)=\(value)") }
        }
        if let cpuinfo = roots.read("\(roots.proc)/cpuinfo"),
           cpuinfo.split(separator: "\n").contains(where: { $0.hasPrefix("flags") && $0.split(separator: " ").contains("hypervisor") }) {
            found.append("cpu flag hypervisor")
        }
        return found
    }

    mutating func sample(at time: Double) -> [TimelineEvent] {
        guard !done else { return [] }
        done = true
        let found = evidence()
        guard !found.isEmpty else { return [] }
        let dmi = found.filter { $0.contains("=") }.count
        return [TimelineEvent(kind: "vm.detected", detector: Self.id, severity: .flag, start: time,
                              confidence: dmi > 0 ? 1 : 0.8, measured: ["dmiMatches": Double(dmi), "hypervisorFlag": found.contains("cpu flag hypervisor") ? 1 : 0],
                              message: "The exam is running inside a virtual machine (\(found.joined(separator: "; "))).",
                              subject: found.joined(separator: "; "))]
    }
}
