import Rootless

/// `linux.resources` as systemd unit properties, for a scope on cgroup v2, mapped as runc maps
/// them so a config gets the same limits from either runtime. systemd owns the scope's cgroup
/// files: a limit written only to cgroupfs would be undone the next time systemd re-applies the
/// unit (daemon-reload, SetUnitProperties). What has no property (io.max, hugetlb, rdma,
/// cpu.idle, unknown unified keys) is still written to cgroupfs by the manager afterwards,
/// from CgroupResourcePlan, which uses the same conversions. Devices are not here either:
/// they stay rsrun's own eBPF program.
public enum SystemdProperties {
    /// systemd versions that introduced the properties we send.
    static let quotaPeriodSince = 242
    static let allowedCPUsSince = 244

    /// The kernel's default CFS period, which systemd also assumes: 100 ms.
    static let defaultPeriod: UInt64 = 100_000

    /// `systemdVersion`: the manager's version (Manager.Version), nil when unknown, which
    /// counts as recent: properties an old systemd does not know make it refuse the whole unit.
    public static func from(_ resources: Spec.Resources, systemdVersion: Int? = nil) throws -> [SystemdProperty] {
        let version = systemdVersion ?? Int.max
        var props: [SystemdProperty] = []
        if let memory = resources.memory {
            if let limit = memory.limit, limit != 0 { props.append(.init("MemoryMax", .uint64(limitValue(limit)))) }
            if let low = memory.reservation, low != 0 { props.append(.init("MemoryLow", .uint64(limitValue(low)))) }
            if let swap = memory.swap, let text = try CgroupResourcePlan.swapMax(swap: swap, limit: memory.limit ?? 0) {
                // swapMax has turned the spec's memory+swap into swap alone already.
                props.append(.init("MemorySwapMax", .uint64(text == "max" ? SystemdProperty.infinity : UInt64(text) ?? 0)))
            }
        }
        if let cpu = resources.cpu {
            if let shares = cpu.shares, shares != 0 {
                props.append(.init("CPUWeight", .uint64(CgroupResourcePlan.weight(shares: shares))))
            }
            props += try quota(cpu.quota ?? 0, period: cpu.period ?? 0, version: version, field: "linux.resources.cpu.quota")
            if version >= allowedCPUsSince {
                if let cpus = cpu.cpus, !cpus.isEmpty {
                    props.append(.init("AllowedCPUs", .bytes(try bitmask(cpus, field: "linux.resources.cpu.cpus"))))
                }
                if let mems = cpu.mems, !mems.isEmpty {
                    props.append(.init("AllowedMemoryNodes", .bytes(try bitmask(mems, field: "linux.resources.cpu.mems"))))
                }
            }
        }
        if let pids = resources.pids, pids.limit != 0 {
            props.append(.init("TasksMax", .uint64(limitValue(pids.limit))))
        }
        if let weight = resources.blockIO?.weight, weight != 0 {
            props.append(.init("IOWeight", .uint64(CgroupResourcePlan.ioWeight(weight))))
        }
        // After the typed fields, as in runc: systemd applies properties in order, so a unified
        // key overrides the field it duplicates, as it does in cgroupfs.
        for key in resources.unified.keys.sorted() {
            props += try unified(key, resources.unified[key] ?? "", version: version)
        }
        return props
    }

    /// The spec's -1 (any negative) is "no limit": systemd's infinity.
    static func limitValue(_ value: Int64) -> UInt64 { value < 0 ? SystemdProperty.infinity : UInt64(value) }

    /// systemd takes CPU time per second of wall time, not quota per period. It keeps the value
    /// as a percentage internally, so a fraction of a percent is rounded up to whole 10 ms,
    /// runc's rounding, so that the cpu.max systemd writes is never below the asked quota.
    /// quota ≤ 0 with a period set means "no quota" (infinity), as in runc.
    static func quota(_ quota: Int64, period: UInt64, version: Int, field: String) throws -> [SystemdProperty] {
        var props: [SystemdProperty] = []
        if period != 0 && version >= quotaPeriodSince { props.append(.init("CPUQuotaPeriodUSec", .uint64(period))) }
        guard quota != 0 || period != 0 else { return props }
        var perSecond = SystemdProperty.infinity
        if quota > 0 {
            let usedPeriod = period == 0 ? defaultPeriod : period
            let (scaled, overflow) = UInt64(quota).multipliedReportingOverflow(by: 1_000_000)
            if overflow { throw RuntimeError(path: field, "\(quota) is too large a quota") }
            perSecond = scaled / usedPeriod
            if perSecond % 10_000 != 0 { perSecond = (perSecond / 10_000 + 1) * 10_000 }
        }
        props.append(.init("CPUQuotaPerSecUSec", .uint64(perSecond)))
        return props
    }

    /// A cpuset list ("0-3,7") as systemd's byte array: byte 0 holds CPUs 0-7 with CPU 0 in its
    /// lowest bit, and trailing zero bytes are left off.
    static func bitmask(_ list: String, field: String) throws -> [UInt8] {
        let words = try CPUAffinityPlan.parse(Substring(list).trimmingSpaces(), field: field)
        var bytes: [UInt8] = []
        for word in words {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        while bytes.last == 0 { bytes.removeLast() }
        guard !bytes.isEmpty else { throw RuntimeError(path: field, "\"\(list)\" names no CPU or node") }
        return bytes
    }

    /// The unified keys that have a unit property (runc's unifiedResToSystemdProps); the other
    /// keys go to cgroupfs only. Malformed values are errors here, as they would be there.
    static func unified(_ key: String, _ raw: String, version: Int) throws -> [SystemdProperty] {
        let field = "linux.resources.unified.\(key)"
        let value = Substring(raw).trimmingSpaces()
        func number(_ text: Substring) throws -> UInt64 {
            guard let n = UInt64(text) else { throw RuntimeError(path: field, "\"\(raw)\" is not a number") }
            return n
        }
        func limit() throws -> UInt64 { value == "max" ? SystemdProperty.infinity : try number(Substring(value)) }
        switch key {
        case "cpu.max":
            let fields = value.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 1 || fields.count == 2 else {
                throw RuntimeError(path: field, "\"\(raw)\" is not \"quota [period]\"")
            }
            let quota: Int64
            if fields[0] == "max" {
                quota = 0
            } else {
                guard let n = Int64(fields[0]) else { throw RuntimeError(path: field, "\"\(raw)\": the quota is not a number") }
                quota = n
            }
            let period = fields.count == 2 ? try number(fields[1]) : defaultPeriod
            return try Self.quota(quota, period: period, version: version, field: field)
        case "cpu.weight":
            return [.init("CPUWeight", .uint64(try number(Substring(value))))]
        case "cpuset.cpus", "cpuset.mems":
            guard version >= allowedCPUsSince else { return [] }
            return [.init(key == "cpuset.cpus" ? "AllowedCPUs" : "AllowedMemoryNodes", .bytes(try bitmask(value, field: field)))]
        case "memory.high": return [.init("MemoryHigh", .uint64(try limit()))]
        case "memory.low": return [.init("MemoryLow", .uint64(try limit()))]
        case "memory.min": return [.init("MemoryMin", .uint64(try limit()))]
        case "memory.max": return [.init("MemoryMax", .uint64(try limit()))]
        case "memory.swap.max": return [.init("MemorySwapMax", .uint64(try limit()))]
        case "pids.max": return [.init("TasksMax", .uint64(try limit()))]
        default: return []
        }
    }
}
