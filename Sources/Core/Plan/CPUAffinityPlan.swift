import CShim
import Glibc
import Rootless

/// `process.execCPUAffinity`, for `exec` only (the spec leaves the init alone): the CPUs the
/// runtime's child runs on until it joins the container's cgroup, and those the process
/// gets afterwards, as sched_setaffinity(2) masks.
public struct CPUAffinityPlan: Sendable, Equatable {
    /// A cpu mask: bit N of word N/64 is CPU N.
    public typealias Mask = [UInt64]

    public var initial: Mask?
    public var `final`: Mask?

    /// CPU numbers go up to the kernel's NR_CPUS, at most 8192.
    static let maxCPUs = 8192

    /// `final` left out after an `initial` means the container's default affinity, which is
    /// ours (the init inherited it): `current`, read by the caller with sched_getaffinity.
    static func compile(_ affinity: Spec.ExecCPUAffinity?, current: () -> Mask?) throws -> CPUAffinityPlan? {
        guard let affinity else { return nil }
        let initial = try affinity.initial.flatMap { $0.isEmpty ? nil : try parse($0, field: "process.execCPUAffinity.initial") }
        var final = try affinity.final.flatMap { $0.isEmpty ? nil : try parse($0, field: "process.execCPUAffinity.final") }
        if initial == nil && final == nil { return nil }
        if initial != nil && final == nil { final = current() }
        return CPUAffinityPlan(initial: initial, final: final)
    }

    /// "0-3,7" → CPUs 0, 1, 2, 3 and 7, in cpuset's list syntax.
    static func parse(_ text: String, field: String) throws -> Mask {
        func bad(_ why: String) -> RuntimeError {
            RuntimeError(path: field, "\"\(text)\" is not a CPU list like 0-3,7: \(why)")
        }
        func number(_ part: Substring) throws -> Int {
            guard !part.isEmpty, part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(part) else {
                throw bad("\"\(part)\" is not a CPU number")
            }
            guard n < maxCPUs else { throw bad("CPU \(n) is beyond the kernel's limit of \(maxCPUs)") }
            return n
        }
        var mask = Mask()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = item.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            let low = try number(ends[0])
            let high = ends.count == 2 ? try number(ends[1]) : low
            guard low <= high else { throw bad("the range \(item) runs backwards") }
            if mask.count <= high / 64 { mask += Mask(repeating: 0, count: high / 64 + 1 - mask.count) }
            for cpu in low...high { mask[cpu / 64] |= 1 << UInt64(cpu % 64) }
        }
        return mask
    }

    /// Our own affinity, the default the container's processes inherit.
    static func current() -> Mask? {
        var mask = Mask(repeating: 0, count: maxCPUs / 64)
        let n = mask.withUnsafeMutableBytes { cshim_sched_getaffinity(0, $0.count, $0.baseAddress) }
        return n > 0 ? Array(mask.prefix(Int(n) / 8)) : nil
    }

    /// In the child, after clone: no allocation, the mask is already shaped for the kernel.
    static func apply(_ mask: Mask, field: String) throws {
        let rc = mask.withUnsafeBytes { cshim_sched_setaffinity(0, $0.count, $0.baseAddress) }
        if rc != 0 { throw RuntimeError(path: field, "sched_setaffinity", errno: cshim_errno()) }
    }
}
