import Rootless

/// The `data` object of runc's stats event (its types.Stats), read from a cgroup v2 directory.
///
/// The shape is runc's, v1 names and all, because tools parse it: cpu times in nanoseconds,
/// io.stat folded into blkio's io_service_bytes/io_serviced tables, memory "swap" as
/// memory+swap. Files that are missing (controller not enabled, older kernel) leave their
/// fields zero or absent exactly where runc's would be; nothing here fails.
public enum CgroupStats {
    public static func read(directory: String) -> JSONValue {
        data(names: FileIO.list(directory) ?? []) { FileIO.readText(directory + "/" + $0) }
    }

    /// `names` is the directory listing (only hugetlb needs it); `file` returns a file's text
    /// by name, nil when it cannot be read.
    static func data(names: [String], file: (String) -> String?) -> JSONValue {
        var data = GoJSONStruct()
        data.field("cpu", cpu(stat: file("cpu.stat"), pressure: file("cpu.pressure")))
        data.field("cpuset", cpuset)
        data.field("memory", memory(file))
        data.field("pids", pids(file))
        data.field("blkio", blkio(stat: file("io.stat"), pressure: file("io.pressure")))
        data.field("hugetlb", hugetlb(sizes: CgroupFileFormat.hugePageSizes(in: names), file))
        // Filled by runc only for Intel RDT configs, which we do not support.
        data.field("intel_rdt", .object(JSONObject()))
        // runc has interfaces only for libcontainer "veth" networks, which OCI configs cannot ask for.
        data.field("network_interfaces", .null)
        return data.json
    }

    // MARK: cpu

    /// cpu.stat counts microseconds; runc reports nanoseconds. cgroup v2 has no per-CPU
    /// counters, so percpu* stay empty and omitted.
    static func cpu(stat: String?, pressure: String?) -> JSONValue {
        var values: [String: UInt64] = [:]
        for pair in stat.map(CgroupFileFormat.parseFlatKeyed) ?? [] { values[pair.key] = pair.value }
        func nanos(_ key: String) -> UInt64 { micro(values[key] ?? 0) }

        var usage = GoJSONStruct()
        usage.omitEmpty("total", nanos("usage_usec"))
        usage.field("kernel", nanos("system_usec"))
        usage.field("user", nanos("user_usec"))
        var throttling = GoJSONStruct()
        throttling.omitEmpty("periods", values["nr_periods"] ?? 0)
        throttling.omitEmpty("throttledPeriods", values["nr_throttled"] ?? 0)
        throttling.omitEmpty("throttledTime", nanos("throttled_usec"))
        var cpu = GoJSONStruct()
        cpu.field("usage", usage.json)
        cpu.field("throttling", throttling.json)
        cpu.omitEmpty("psi", psi(pressure))
        return cpu.json
    }

    static func micro(_ value: UInt64) -> UInt64 {
        let (product, overflow) = value.multipliedReportingOverflow(by: 1000)
        return overflow ? .max : product
    }

    /// runc reads no cpuset statistics on cgroup v2 (they are v1 flags), so this is its
    /// all-zero struct: the list fields are omitempty, the flags are not.
    static let cpuset: JSONValue = {
        var cpuset = GoJSONStruct()
        for key in ["cpu_exclusive", "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page",
                    "memory_spread_slab", "memory_pressure", "sched_load_balance", "sched_relax_domain_level"] {
            cpuset.field(key, 0)
        }
        return cpuset.json
    }()

    // MARK: memory

    /// runc's MemoryEntry. cgroup v2 keeps no fail counter, so failcnt is always 0.
    struct MemoryEntry: Equatable {
        var usage: UInt64 = 0
        var limit: UInt64 = 0
        var max: UInt64 = 0

        var json: JSONValue {
            var entry = GoJSONStruct()
            entry.field("limit", limit)
            entry.omitEmpty("usage", usage)
            entry.omitEmpty("max", max)
            entry.field("failcnt", 0)
            return entry.json
        }
    }

    /// `<prefix>.current`, `<prefix>.max` and (kernel 5.19+, best effort) `<prefix>.peak`;
    /// nil unless the first two are readable, as runc's getMemoryDataV2 fails then.
    static func memoryEntry(_ prefix: String, _ file: (String) -> String?) -> MemoryEntry? {
        guard let usage = file(prefix + ".current").flatMap(CgroupFileFormat.parseSingleValue),
              let limit = file(prefix + ".max").flatMap(CgroupFileFormat.parseSingleValue) else { return nil }
        let peak = file(prefix + ".peak").flatMap(CgroupFileFormat.parseSingleValue) ?? 0
        return MemoryEntry(usage: usage, limit: limit, max: peak)
    }

    /// Everything hangs off memory.stat, as in runc: without it the controller is off and all
    /// of memory is zero. `cache` is memory.stat's "file", `raw` all of memory.stat.
    static func memory(_ file: (String) -> String?) -> JSONValue {
        var raw: [(key: String, value: UInt64)] = []
        var usage = MemoryEntry()
        var swap = MemoryEntry()
        if let stat = file("memory.stat") {
            raw = CgroupFileFormat.parseFlatKeyed(stat)
            if let current = memoryEntry("memory", file) {
                usage = current
                swap = memoryAndSwap(memory: current, swapOnly: file("memory.swap.current") == nil ? MemoryEntry() : memoryEntry("memory.swap", file))
            }
        }
        var memory = GoJSONStruct()
        memory.omitEmpty("cache", raw.last(where: { $0.key == "file" })?.value ?? 0)
        memory.field("usage", usage.json)
        memory.field("swap", swap.json)
        // Kernel memory accounting is v1-only; runc leaves both entries zero on v2.
        memory.field("kernel", MemoryEntry().json)
        memory.field("kernelTCP", MemoryEntry().json)
        memory.omitEmpty("raw", JSONObject(goMap: raw))
        memory.omitEmpty("psi", psi(file("memory.pressure")))
        return memory.json
    }

    /// cgroup v1 reported swap as memory+swap and tools expect that, so runc adds memory to
    /// v2's swap-only numbers. A missing memory.swap.current (no swap accounting) counts as
    /// zero swap; an unreadable memory.swap.max beside it leaves the entry zero, as in runc.
    /// Unlike runc the limit saturates instead of wrapping when only memory.max is "max".
    static func memoryAndSwap(memory: MemoryEntry, swapOnly: MemoryEntry?) -> MemoryEntry {
        guard let swapOnly else { return MemoryEntry() }
        var combined = MemoryEntry()
        combined.usage = saturatingAdd(swapOnly.usage, memory.usage)
        combined.limit = swapOnly.limit == .max ? .max : saturatingAdd(swapOnly.limit, memory.limit)
        // A peak of the sum is not the sum of the peaks: runc reports none.
        combined.max = 0
        return combined
    }

    static func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    // MARK: pids

    /// pids.max "max" is reported as 0, runc's historical "no limit". Without the pids
    /// controller runc counts the lines of cgroup.procs and reports no limit.
    static func pids(_ file: (String) -> String?) -> JSONValue {
        var current: UInt64 = 0
        var limit: UInt64 = 0
        if let text = file("pids.current") {
            if let value = CgroupFileFormat.parseSingleValue(text),
               let max = file("pids.max").flatMap(CgroupFileFormat.parseSingleValue) {
                current = value
                limit = max == .max ? 0 : max
            }
        } else if let procs = file("cgroup.procs") {
            current = UInt64(procs.utf8.lazy.filter { $0 == UInt8(ascii: "\n") }.count)
        }
        var pids = GoJSONStruct()
        pids.omitEmpty("current", current)
        pids.omitEmpty("limit", limit)
        return pids.json
    }

    // MARK: blkio

    /// runc's v1-named tables; the six it cannot fill from io.stat are omitempty and vanish.
    /// Rows come in io.stat order (runc's come in Go map order, i.e. shuffled per device).
    static func blkio(stat: String?, pressure: String?) -> JSONValue {
        let io = stat.map(CgroupFileFormat.parseIOStat) ?? CgroupFileFormat.IOStat()
        var blkio = GoJSONStruct()
        blkio.omitEmpty("ioServiceBytesRecursive", io.serviceBytes.map(blkioEntry))
        blkio.omitEmpty("ioServicedRecursive", io.serviced.map(blkioEntry))
        blkio.omitEmpty("psi", psi(pressure))
        return blkio.json
    }

    /// Every field of runc's BlkioEntry is omitempty, so a zero counter loses its "value".
    static func blkioEntry(_ row: CgroupFileFormat.BlkioEntry) -> JSONValue {
        var entry = GoJSONStruct()
        entry.omitEmpty("major", row.major)
        entry.omitEmpty("minor", row.minor)
        entry.omitEmpty("op", row.op)
        entry.omitEmpty("value", row.value)
        return entry.json
    }

    // MARK: hugetlb

    /// Per page size: usage from the reservation counter when the kernel has one (as runc
    /// 1.2+ does), else the fault counter; failcnt is the "max" count in
    /// hugetlb.<size>.events, the hierarchical file runc reads, not events.local. runc also
    /// looks for a rsvd.events the kernel never creates and then fails; we do not. "max"
    /// (max_usage) has no v2 source and stays omitted.
    static func hugetlb(sizes: [String], _ file: (String) -> String?) -> JSONValue {
        var pages = GoJSONStruct()
        for size in sizes {
            let prefix = "hugetlb." + size
            guard let usage = (file(prefix + ".rsvd.current") ?? file(prefix + ".current")).flatMap(CgroupFileFormat.parseSingleValue)
            else { continue }
            let failures = file(prefix + ".events").flatMap { CgroupFileFormat.value(of: "max", inFlatKeyed: $0) } ?? 0
            var page = GoJSONStruct()
            page.omitEmpty("usage", usage)
            page.field("failcnt", failures)
            pages.field(size, page.json)
        }
        return pages.json
    }

    // MARK: psi

    /// A pressure file as runc's *PSIStats: absent without the file (kernel < 4.20, PSI off);
    /// "some"/"full" are omitzero in the cgroups module runc now uses, so an all-zero line
    /// (an idle container, or "full" on cpu.pressure before 5.13) is left out.
    static func psi(_ text: String?) -> JSONValue? {
        guard let text, let pressure = CgroupFileFormat.parsePressure(text) else { return nil }
        var psi = GoJSONStruct()
        if !pressure.some.isZero { psi.field("some", psiData(pressure.some)) }
        if !pressure.full.isZero { psi.field("full", psiData(pressure.full)) }
        return psi.json
    }

    static func psiData(_ data: CgroupFileFormat.PressureData) -> JSONValue {
        .object(JSONObject([
            ("avg10", .number(data.avg10)), ("avg60", .number(data.avg60)),
            ("avg300", .number(data.avg300)), ("total", .int(data.total)),
        ]))
    }
}
