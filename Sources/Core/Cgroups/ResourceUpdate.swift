import Rootless

/// What `rsrun update` changes: runc's flags, or a resources document (`-r FILE`, `-` for
/// stdin) with the flags applied over it.
public enum ResourceUpdate {
    /// The flags `update` takes that carry a value, by canonical name; `--cpu-shares` is the
    /// issue's spelling of runc's `--cpu-share`.
    public static let flagNames: [[String]] = [
        ["--resources", "-r"], ["--memory"], ["--memory-reservation"], ["--memory-swap"], ["--kernel-memory"],
        ["--kernel-memory-tcp"], ["--cpu-quota"], ["--cpu-period"], ["--cpu-share", "--cpu-shares"], ["--cpu-rt-period"],
        ["--cpu-rt-runtime"], ["--cpuset-cpus"], ["--cpuset-mems"], ["--pids-limit"], ["--blkio-weight"],
        ["--l3-cache-schema"], ["--mem-bw-schema"],
    ]

    /// A resources document as `update -r` reads it: the `linux.resources` object of a config.
    public static func parse(_ bytes: [UInt8], source: String) throws -> Spec.Resources {
        let document = try JSONParser.parse(bytes, source: source)
        guard case .object(let object) = document else { throw RuntimeError(path: source, "expected an object") }
        let resources = try Spec.Resources(SpecObject(object: object, path: ""))
        try SpecValidator.check(resources)
        return resources
    }

    /// `base` with the flags that were given applied over it. `value(name)` is the flag's value.
    public static func apply(_ value: (String) -> String?, to base: Spec.Resources) throws -> Spec.Resources {
        var r = base
        func memory(_ set: (inout Spec.Resources.Memory) -> Void) {
            var m = r.memory ?? Spec.Resources.Memory()
            set(&m)
            r.memory = m
        }
        func cpu(_ set: (inout Spec.Resources.CPU) -> Void) {
            var c = r.cpu ?? Spec.Resources.CPU()
            set(&c)
            r.cpu = c
        }
        if let v = value("--memory") { let n = try bytes(v, "--memory"); memory { $0.limit = n } }
        if let v = value("--memory-reservation") { let n = try bytes(v, "--memory-reservation"); memory { $0.reservation = n } }
        if let v = value("--memory-swap") { let n = try bytes(v, "--memory-swap"); memory { $0.swap = n } }
        if let v = value("--kernel-memory") { let n = try bytes(v, "--kernel-memory"); memory { $0.kernel = n } }
        if let v = value("--kernel-memory-tcp") { let n = try bytes(v, "--kernel-memory-tcp"); memory { $0.kernelTCP = n } }
        if let v = value("--cpu-quota") { let n: Int64 = try number(v, "--cpu-quota"); cpu { $0.quota = n } }
        if let v = value("--cpu-period") { let n: UInt64 = try number(v, "--cpu-period"); cpu { $0.period = n } }
        if let v = value("--cpu-share") { let n: UInt64 = try number(v, "--cpu-share"); cpu { $0.shares = n } }
        if let v = value("--cpu-rt-period") { let n: UInt64 = try number(v, "--cpu-rt-period"); cpu { $0.realtimePeriod = n } }
        if let v = value("--cpu-rt-runtime") { let n: Int64 = try number(v, "--cpu-rt-runtime"); cpu { $0.realtimeRuntime = n } }
        if let v = value("--cpuset-cpus") { cpu { $0.cpus = v } }
        if let v = value("--cpuset-mems") { cpu { $0.mems = v } }
        if let v = value("--pids-limit") { r.pids = Spec.Resources.Pids(limit: try number(v, "--pids-limit")) }
        if let v = value("--blkio-weight") {
            var io = r.blockIO ?? Spec.Resources.BlockIO()
            io.weight = try number(v, "--blkio-weight")
            r.blockIO = io
        }
        for flag in ["--l3-cache-schema", "--mem-bw-schema"] where value(flag) != nil {
            throw RuntimeError(path: flag, "Intel RDT is not supported by rsrun")
        }
        return r
    }

    static func number<T: FixedWidthInteger>(_ text: String, _ flag: String) throws -> T {
        guard let n = T(text) else { throw RuntimeError(path: flag, "expected an integer, got \"\(text)\"") }
        return n
    }

    /// A size as docker's and runc's RAMInBytes read it: "-1", "1024", "512k", "32m", "1.5g",
    /// "64MiB", "2GB"; the multiples are binary.
    public static func bytes(_ text: String, _ flag: String) throws -> Int64 {
        if text == "-1" { return -1 }
        var digits = Substring(text)
        var multiplier: Double = 1
        let units: [Character: Double] = ["k": 0x1p10, "m": 0x1p20, "g": 0x1p30, "t": 0x1p40, "p": 0x1p50]
        var suffix = digits.lowercased().drop { $0.isNumber || $0 == "." }
        digits = digits.prefix(digits.count - suffix.count)
        if digits.hasSuffix(" ") { digits = digits.dropLast() }
        if let unit = suffix.first, let scale = units[unit] {
            multiplier = scale
            suffix = suffix.dropFirst()
        }
        if suffix.hasPrefix("i") && multiplier != 1 { suffix = suffix.dropFirst() }
        if suffix == "b" { suffix = "" }
        guard suffix.isEmpty, !digits.isEmpty, let value = Double(digits), value >= 0 else {
            throw RuntimeError(path: flag, "expected a size like 1024, 512k, 32m or 1g, got \"\(text)\"")
        }
        let result = value * multiplier
        guard result < 9.2e18 else { throw RuntimeError(path: flag, "\"\(text)\" is too large") }
        return Int64(result)
    }
}
