import Rootless

/// What `rsrun update` changes: runc's flags, or a resources document (`-r FILE`, `-` for
/// stdin) with the flags applied over it.
public enum ResourceUpdate {
    /// One flag of `update`: its spellings (the canonical one first), the name of its value
    /// and a line of help. The CLI's parser, help, man page and completion all read this list.
    public struct Flag: Sendable {
        public let names: [String]
        public let value: String
        public let help: String

        init(_ names: [String], _ value: String, _ help: String) {
            self.names = names
            self.value = value
            self.help = help
        }
    }

    /// The flags `update` takes, all with a value; `--cpu-shares` is the spelling of
    /// runc's `--cpu-share`.
    public static let flags: [Flag] = [
        Flag(["--resources", "-r"], "FILE", "a linux.resources JSON object to apply (- reads stdin); the flags below override it"),
        Flag(["--memory"], "SIZE", "memory limit (1024, 512k, 32m, 1g; -1: none)"),
        Flag(["--memory-reservation"], "SIZE", "memory soft limit (memory.low)"),
        Flag(["--memory-swap"], "SIZE", "memory plus swap limit, at least --memory (-1: none)"),
        Flag(["--kernel-memory"], "SIZE", "kernel memory limit (cgroup v1 only: ignored here)"),
        Flag(["--kernel-memory-tcp"], "SIZE", "kernel TCP memory limit (cgroup v1 only: ignored here)"),
        Flag(["--cpu-quota"], "USEC", "CPU time per period in microseconds (-1: none)"),
        Flag(["--cpu-period"], "USEC", "CPU period in microseconds"),
        Flag(["--cpu-share", "--cpu-shares"], "N", "CPU shares, mapped onto cgroup v2's cpu.weight"),
        Flag(["--cpu-rt-period"], "USEC", "real-time period (cgroup v1 only: ignored here)"),
        Flag(["--cpu-rt-runtime"], "USEC", "real-time runtime (cgroup v1 only: ignored here)"),
        Flag(["--cpuset-cpus"], "LIST", "CPUs the container may use (0-3,5)"),
        Flag(["--cpuset-mems"], "LIST", "memory nodes the container may use (0,1)"),
        Flag(["--pids-limit"], "N", "maximum number of processes (-1: none)"),
        Flag(["--blkio-weight"], "N", "block I/O weight, 10 to 1000"),
        Flag(["--l3-cache-schema"], "SCHEMA", "Intel RDT L3 cache schema (not supported: fails)"),
        Flag(["--mem-bw-schema"], "SCHEMA", "Intel RDT memory bandwidth schema (not supported: fails)"),
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
