import Rootless

/// One write into the container's cgroup v2 directory: which controller it needs enabled in
/// the parents' `cgroup.subtree_control`, the file, and the text.
public struct CgroupWrite: Sendable, Equatable {
    public var controller: String
    public var file: String
    public var value: String
    /// The spec field it comes from, for the error if the write fails.
    public var field: String
}

/// `linux.resources` turned into cgroup v2 files, with the conversions runc uses for values
/// that were defined for cgroup v1 (shares, blkio weights, memory+swap), so that a config
/// behaves the same under either runtime. Devices are not here: they become an eBPF program.
/// Pure: the writes are done by a CgroupManager.
public struct CgroupResourcePlan: Sendable, Equatable {
    public var writes: [CgroupWrite] = []
    /// Fields that cgroup v2 has no file for, reported instead of silently dropped.
    public var notes: [String] = []

    public var controllers: [String] {
        var seen: [String] = []
        // cgroup.* files are the core's, in every cgroup: nothing to enable for them.
        for write in writes where write.controller != "cgroup" && !seen.contains(write.controller) { seen.append(write.controller) }
        return seen
    }

    public static func compile(_ resources: Spec.Resources) throws -> CgroupResourcePlan {
        var plan = CgroupResourcePlan()
        if let memory = resources.memory { try plan.addMemory(memory) }
        if let cpu = resources.cpu { plan.addCPU(cpu) }
        if let pids = resources.pids, pids.limit != 0 {
            plan.add("pids", "pids.max", try limit(pids.limit, "linux.resources.pids.limit"), "linux.resources.pids.limit")
        }
        if let io = resources.blockIO { plan.addIO(io) }
        for (i, page) in resources.hugepageLimits.enumerated() {
            plan.add("hugetlb", "hugetlb.\(page.pageSize).max", "\(page.limit)", "linux.resources.hugepageLimits[\(i)]")
        }
        for device in resources.rdma.keys.sorted() {
            guard let limits = resources.rdma[device] else { continue }
            var parts = [device]
            if let handles = limits.hcaHandles { parts.append("hca_handle=\(handles)") }
            if let objects = limits.hcaObjects { parts.append("hca_object=\(objects)") }
            if parts.count > 1 { plan.add("rdma", "rdma.max", parts.joined(separator: " "), "linux.resources.rdma.\(device)") }
        }
        if resources.network != nil {
            plan.notes.append("linux.resources.network: cgroup v2 has no net_cls/net_prio; ignored")
        }
        for key in resources.unified.keys.sorted() {
            try plan.addUnified(key, resources.unified[key] ?? "")
        }
        return plan
    }

    mutating func add(_ controller: String, _ file: String, _ value: String, _ field: String) {
        writes.append(CgroupWrite(controller: controller, file: file, value: value, field: field))
    }

    /// -1 is "no limit" in the spec, "max" in cgroup v2; 0 leaves the file alone.
    static func limitText(_ value: Int64) -> String { value < 0 ? "max" : "\(value)" }

    /// A limit as cgroup v2 writes it; below -1 is a mistake, not "unlimited".
    static func limit(_ value: Int64, _ field: String) throws -> String {
        if value < -1 { throw RuntimeError(path: field, "\(value) is not a limit (-1 means none)") }
        return limitText(value)
    }

    mutating func addMemory(_ memory: Spec.Resources.Memory) throws {
        let field = "linux.resources.memory"
        if let limit = memory.limit, limit != 0 { add("memory", "memory.max", try Self.limit(limit, field + ".limit"), field + ".limit") }
        if let low = memory.reservation, low != 0 {
            add("memory", "memory.low", try Self.limit(low, field + ".reservation"), field + ".reservation")
        }
        if let swap = memory.swap, let value = try Self.swapMax(swap: swap, limit: memory.limit ?? 0) {
            add("memory", "memory.swap.max", value, field + ".swap")
        }
        if memory.disableOOMKiller == true { notes.append(field + ".disableOOMKiller: not supported on cgroup v2; ignored") }
        if let swappiness = memory.swappiness, swappiness != 0 { notes.append(field + ".swappiness: not supported on cgroup v2; ignored") }
        if memory.kernel != nil { notes.append(field + ".kernel: not supported on cgroup v2; ignored") }
        if memory.kernelTCP != nil { notes.append(field + ".kernelTCP: not supported on cgroup v2; ignored") }
    }

    /// The spec's swap is memory+swap (v1's memsw); v2's memory.swap.max is swap alone, so the
    /// limit is subtracted, as runc does. nil: leave memory.swap.max alone.
    static func swapMax(swap: Int64, limit: Int64) throws -> String? {
        let field = "linux.resources.memory.swap"
        if swap == 0 { return limit == -1 ? "max" : nil }
        if swap == -1 { return "max" }
        if swap < -1 { throw RuntimeError(path: field, "\(swap) is not a limit (-1 means none)") }
        if limit <= 0 { throw RuntimeError(path: field, "a swap limit needs a memory limit (linux.resources.memory.limit)") }
        if swap < limit {
            throw RuntimeError(path: field, "\(swap) is below linux.resources.memory.limit \(limit): swap is memory+swap, so it must be at least the limit")
        }
        return "\(swap - limit)"
    }

    mutating func addCPU(_ cpu: Spec.Resources.CPU) {
        let field = "linux.resources.cpu"
        if let shares = cpu.shares, shares != 0 { add("cpu", "cpu.weight", "\(Self.weight(shares: shares))", field + ".shares") }
        let quota = cpu.quota ?? 0
        let period = cpu.period ?? 0
        if quota != 0 || period != 0 {
            var text = quota > 0 ? "\(quota)" : "max"
            if period != 0 { text += " \(period)" }
            add("cpu", "cpu.max", text, field + ".quota")
        }
        if let burst = cpu.burst { add("cpu", "cpu.max.burst", "\(burst)", field + ".burst") }
        if let idle = cpu.idle { add("cpu", "cpu.idle", "\(idle)", field + ".idle") }
        if cpu.realtimeRuntime != nil || cpu.realtimePeriod != nil {
            notes.append(field + ".realtimeRuntime/realtimePeriod: not supported on cgroup v2; ignored")
        }
        if let cpus = cpu.cpus, !cpus.isEmpty { add("cpuset", "cpuset.cpus", cpus, field + ".cpus") }
        if let mems = cpu.mems, !mems.isEmpty { add("cpuset", "cpuset.mems", mems, field + ".mems") }
    }

    /// v1 shares (2..262144) onto v2 weight (1..10000), linearly, as runc maps them.
    static func weight(shares: UInt64) -> UInt64 {
        let clamped = min(max(shares, 2), 262_144)
        return 1 + (clamped - 2) * 9_999 / 262_142
    }

    /// v1 blkio weight (10..1000) onto v2 io weight (1..10000), as runc maps it.
    static func ioWeight(_ blkio: UInt16) -> UInt64 {
        let clamped = UInt64(min(max(blkio, 10), 1000))
        return 1 + (clamped - 10) * 9_999 / 990
    }

    mutating func addIO(_ io: Spec.Resources.BlockIO) {
        let field = "linux.resources.blockIO"
        if let weight = io.weight, weight != 0 { add("io", "io.weight", "default \(Self.ioWeight(weight))", field + ".weight") }
        for (i, device) in io.weightDevice.enumerated() {
            guard let weight = device.weight, weight != 0 else { continue }
            add("io", "io.weight", "\(device.major):\(device.minor) \(Self.ioWeight(weight))", field + ".weightDevice[\(i)]")
        }
        if io.leafWeight != nil || io.weightDevice.contains(where: { $0.leafWeight != nil }) {
            notes.append(field + ".leafWeight: not supported on cgroup v2; ignored")
        }
        let throttles: [(String, String, [Spec.Resources.ThrottleDevice])] = [
            ("throttleReadBpsDevice", "rbps", io.throttleReadBpsDevice),
            ("throttleWriteBpsDevice", "wbps", io.throttleWriteBpsDevice),
            ("throttleReadIOPSDevice", "riops", io.throttleReadIOPSDevice),
            ("throttleWriteIOPSDevice", "wiops", io.throttleWriteIOPSDevice),
        ]
        for (name, key, devices) in throttles {
            for (i, device) in devices.enumerated() {
                // 0 is "no limit" in the spec, "max" in io.max.
                let rate = device.rate == 0 ? "max" : "\(device.rate)"
                add("io", "io.max", "\(device.major):\(device.minor) \(key)=\(rate)", "\(field).\(name)[\(i)]")
            }
        }
    }

    /// `unified` is written as given, but only to a plain file of this cgroup: a key is
    /// "<controller>.<name>", never a path.
    mutating func addUnified(_ key: String, _ value: String) throws {
        let field = "linux.resources.unified.\(key)"
        guard !key.contains("/"), !key.hasPrefix("."), key != "..", key.contains(".") else {
            throw RuntimeError(path: field, "a key must be a cgroup file name like memory.high, not a path")
        }
        guard !key.hasPrefix("cgroup.") || ["cgroup.max.depth", "cgroup.max.descendants", "cgroup.freeze"].contains(key) else {
            throw RuntimeError(path: field, "rsrun manages \(key) itself")
        }
        let controller = String(key.prefix { $0 != "." })
        add(controller, key, value, field)
    }
}
