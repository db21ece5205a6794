import Glibc
import Rootless

/// `process.capabilities` as bit masks, ready for prctl(PR_CAPBSET_DROP), capset(2) and
/// prctl(PR_CAP_AMBIENT_RAISE). Within a present `capabilities` object an absent set is empty,
/// as runc has it; an absent object leaves the init's capabilities as they are.
public struct CapabilityPlan: Sendable, Equatable {
    public var bounding: UInt64 = 0
    public var effective: UInt64 = 0
    public var permitted: UInt64 = 0
    public var inheritable: UInt64 = 0
    public var ambient: UInt64 = 0
    /// The highest capability the running kernel has (/proc/sys/kernel/cap_last_cap).
    public var lastCap: Int

    /// Capability numbers from <linux/capability.h>: a name's index is its number.
    public static let names: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ]

    /// What the kernel says, read when a config asks for capabilities (one small file).
    public static func kernelLastCap() -> Int {
        FileIO.readText("/proc/sys/kernel/cap_last_cap").flatMap { Int(Substring($0).trimmingSpaces()) } ?? names.count - 1
    }

    /// The masks, and what was left out and why, for the log. Unknown names are errors; names
    /// this kernel does not have are skipped (runc does the same); ambient capabilities that
    /// are not both permitted and inheritable cannot be raised, so they are dropped with a note.
    public static func compile(_ caps: Spec.Capabilities, lastCap: Int) throws -> (plan: CapabilityPlan, notes: [String]) {
        var plan = CapabilityPlan(lastCap: lastCap)
        var notes: [String] = []
        func mask(_ list: [String]?, _ set: String) throws -> UInt64 {
            var bits: UInt64 = 0
            for (i, name) in (list ?? []).enumerated() {
                guard let number = number(name) else {
                    throw RuntimeError(path: "process.capabilities.\(set)[\(i)]", "unknown capability \(SpecPath.quoted(name))")
                }
                if number > lastCap {
                    notes.append("process.capabilities.\(set): \(name) skipped: this kernel has capabilities up to \(lastCap) only")
                    continue
                }
                bits |= 1 << UInt64(number)
            }
            return bits
        }
        plan.bounding = try mask(caps.bounding, "bounding")
        plan.effective = try mask(caps.effective, "effective")
        plan.permitted = try mask(caps.permitted, "permitted")
        plan.inheritable = try mask(caps.inheritable, "inheritable")
        let ambient = try mask(caps.ambient, "ambient")
        plan.ambient = ambient & plan.permitted & plan.inheritable
        let dropped = ambient & ~plan.ambient
        if dropped != 0 {
            notes.append("process.capabilities.ambient: \(names(in: dropped).joined(separator: ", ")) not raised: "
                         + "an ambient capability must also be permitted and inheritable")
        }
        // capset(2) refuses an effective capability that is not permitted.
        if plan.effective & ~plan.permitted != 0 {
            throw RuntimeError(path: "process.capabilities.effective",
                               "\(names(in: plan.effective & ~plan.permitted).joined(separator: ", ")) must also be in permitted")
        }
        return (plan, notes)
    }

    /// Accepts "CAP_X" and, as runc does, any case.
    static func number(_ name: String) -> Int? {
        names.firstIndex(of: name.uppercased())
    }

    static func names(in bits: UInt64) -> [String] {
        names.indices.filter { bits & (1 << UInt64($0)) != 0 }.map { names[$0] }
    }
}
