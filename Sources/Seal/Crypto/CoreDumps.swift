internal import CSodium
import Foundation
import ProctorModel

/// A process that holds an instructor's secret keys, a passphrase or decrypted recordings
/// writes no core file: a crash dump would otherwise carry the X25519 secret, the Ed25519 seed
/// and the passphrase to wherever the system keeps cores (systemd-coredump, apport, `./core`).
package enum CoreDumps {
    /// Sets RLIMIT_CORE to 0 (soft and hard, so a child cannot raise it again) and marks the
    /// process not dumpable. Idempotent; called where a key is made or unlocked.
    package static func disable() throws(ProctorError) {
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        guard setrlimit(Int32(RLIMIT_CORE.rawValue), &none) == 0 else {
            throw ProctorError(.internalFailure, "cannot switch off core dumps before handling a secret key",
                               detail: "setrlimit(RLIMIT_CORE): \(String(cString: strerror(errno)))")
        }
        guard proctor_set_not_dumpable() == 0 else {
            throw ProctorError(.internalFailure, "cannot switch off core dumps before handling a secret key",
                               detail: "prctl(PR_SET_DUMPABLE): \(String(cString: strerror(errno)))")
        }
    }
}
