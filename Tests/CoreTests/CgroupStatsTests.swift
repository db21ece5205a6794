@testable import Core
import Rootless
import Testing

@Suite("CgroupStats: runc's stats event data from cgroup v2 files")
struct CgroupStatsTests {
    typealias F = CgroupFileFormat

    static let cpusetZero = #"{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,"#
        + #""memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0}"#

    static func data(_ files: [String: String]) -> String {
        CgroupStats.data(names: Array(files.keys)) { files[$0] }.serialized()
    }

    @Test("flat-keyed files: pairs in order, malformed lines skipped, negatives as 0")
    func flatKeyed() {
        let pairs = F.parseFlatKeyed("usage_usec 12\nuser_usec 3\n\nbroken\nthree fields here\nneg -5\nbad x\nbig 18446744073709551615\n")
        #expect(pairs.map(\.key) == ["usage_usec", "user_usec", "neg", "big"])
        #expect(pairs.map(\.value) == [12, 3, 0, .max])
        #expect(F.value(of: "oom_kill", inFlatKeyed: "oom 1\noom_kill 2\noom_group_kill 0\n") == 2)
        #expect(F.value(of: "oom_kill", inFlatKeyed: "oom 1\n") == nil)
    }

    @Test("single-value files: max is the largest value, junk is nil")
    func singleValue() {
        #expect(F.parseSingleValue("max\n") == .max)
        #expect(F.parseSingleValue("4096\n") == 4096)
        #expect(F.parseSingleValue("") == nil)
        #expect(F.parseSingleValue("12 34\n") == nil)
        #expect(F.parseSingleValue("lots") == nil)
    }

    @Test("io.stat: bytes and ios per device as v1 Read/Write rows, discard keys dropped")
    func ioStat() {
        let stat = F.parseIOStat("8:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=512 dios=1\n253:1 rbytes=0 wbytes=4096 rios=0 wios=3\nnodevice rbytes=1\n8:16\n")
        #expect(stat.serviceBytes == [
            .init(major: 8, minor: 0, op: "Read", value: 1024), .init(major: 8, minor: 0, op: "Write", value: 2048),
            .init(major: 253, minor: 1, op: "Read", value: 0), .init(major: 253, minor: 1, op: "Write", value: 4096),
        ])
        #expect(stat.serviced.map(\.value) == [1, 2, 0, 3])
        #expect(stat.serviced.map(\.op) == ["Read", "Write", "Read", "Write"])
    }

    @Test("pressure files and the float text Go would print")
    func pressure() throws {
        let p = try #require(F.parsePressure("some avg10=1.50 avg60=0.20 avg300=12.00 total=99\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"))
        #expect(p.some == F.PressureData(avg10: "1.5", avg60: "0.2", avg300: "12", total: 99))
        #expect(p.full.isZero)
        #expect(F.parsePressure("some avg10=x avg60=0 avg300=0 total=0\n") == nil)
        #expect(F.parsePressure("some total\n") == nil)
        #expect(F.normalizedDecimal("0.00") == "0")
        #expect(F.normalizedDecimal("007.10") == "7.1")
        #expect(F.normalizedDecimal(".") == nil)
        #expect(F.normalizedDecimal("1e3") == nil)
    }

    @Test("hugetlb page sizes come from the .current files, not the rsvd ones")
    func hugePageSizes() {
        let names = ["hugetlb.2MB.current", "hugetlb.2MB.rsvd.current", "hugetlb.1GB.current", "hugetlb.2MB.max", "memory.current"]
        #expect(F.hugePageSizes(in: names) == ["1GB", "2MB"])
    }

    @Test("cpu: microseconds to nanoseconds, zero throttling omitted, psi only when non-zero")
    func cpu() {
        let stat = "usage_usec 12\nuser_usec 3\nsystem_usec 9\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\n"
        #expect(CgroupStats.cpu(stat: stat, pressure: nil).serialized()
            == #"{"usage":{"total":12000,"kernel":9000,"user":3000},"throttling":{}}"#)
        #expect(CgroupStats.cpu(stat: nil, pressure: "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n").serialized()
            == #"{"usage":{"kernel":0,"user":0},"throttling":{},"psi":{}}"#)
    }

    @Test("memory: swap reported as memory+swap, limits saturate, no memory.stat means all zero")
    func memory() {
        var files = ["memory.stat": "anon 10\nfile 20\n", "memory.current": "100\n", "memory.max": "1000\n", "memory.peak": "150\n",
                     "memory.swap.current": "5\n", "memory.swap.max": "50\n"]
        #expect(CgroupStats.memory { files[$0] }.serialized() == #"{"cache":20,"usage":{"limit":1000,"usage":100,"max":150,"failcnt":0},"#
            + #""swap":{"limit":1050,"usage":105,"failcnt":0},"kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0},"#
            + #""raw":{"anon":10,"file":20}}"#)
        // No swap accounting: swap is memory alone.
        files["memory.swap.current"] = nil
        files["memory.swap.max"] = nil
        #expect(CgroupStats.memory { files[$0] }["swap"]?.serialized() == #"{"limit":1000,"usage":100,"failcnt":0}"#)
        // Unlimited memory with limited swap: runc's sum would wrap around.
        files["memory.max"] = "max\n"
        files["memory.swap.current"] = "0\n"
        files["memory.swap.max"] = "10\n"
        #expect(CgroupStats.memory { files[$0] }["swap"]?["limit"] == .int(UInt64.max))
        let zero = #"{"usage":{"limit":0,"failcnt":0},"swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0}}"#
        #expect(CgroupStats.memory { $0 == "memory.stat" ? nil : files[$0] }.serialized() == zero)
    }

    @Test("pids: max is 0, without the controller cgroup.procs is counted")
    func pids() {
        #expect(CgroupStats.pids { ["pids.current": "3\n", "pids.max": "max\n"][$0] }.serialized() == #"{"current":3}"#)
        #expect(CgroupStats.pids { ["pids.current": "3\n", "pids.max": "64\n"][$0] }.serialized() == #"{"current":3,"limit":64}"#)
        #expect(CgroupStats.pids { ["cgroup.procs": "1\n22\n"][$0] }.serialized() == #"{"current":2}"#)
        #expect(CgroupStats.pids { _ in nil }.serialized() == "{}")
    }

    @Test("a directory with no controller files gives runc's all-zero shape")
    func empty() {
        #expect(Self.data([:]) == #"{"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},"cpuset":"# + Self.cpusetZero
            + #","memory":{"usage":{"limit":0,"failcnt":0},"swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},"#
            + #""kernelTCP":{"limit":0,"failcnt":0}},"pids":{},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}"#)
    }

    @Test("read(directory:) against a directory of fake cgroup files")
    func readDirectory() throws {
        let dir = try TempDir("rsrun-cgstats")
        dir.makeFile("cpu.stat", "usage_usec 12\nuser_usec 3\nsystem_usec 9\ncore_sched.force_idle_usec 0\nnr_periods 4\nnr_throttled 1\nthrottled_usec 250\nnr_bursts 0\nburst_usec 0\n")
        dir.makeFile("cpu.pressure", "some avg10=1.50 avg60=0.00 avg300=0.00 total=1234\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n")
        dir.makeFile("memory.stat", "anon 4096\nfile 8192\nkernel 1024\n")
        dir.makeFile("memory.current", "12288\n")
        dir.makeFile("memory.max", "max\n")
        dir.makeFile("memory.swap.current", "0\n")
        dir.makeFile("memory.swap.max", "max\n")
        dir.makeFile("memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n")
        dir.makeFile("pids.current", "3\n")
        dir.makeFile("pids.max", "max\n")
        dir.makeFile("io.stat", "8:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n253:1 rbytes=0 wbytes=4096 rios=0 wios=3 dbytes=0 dios=0\n")
        dir.makeFile("hugetlb.2MB.current", "2097152\n")
        dir.makeFile("hugetlb.2MB.max", "max\n")
        dir.makeFile("hugetlb.2MB.events", "max 2\n")
        dir.makeFile("hugetlb.2MB.events.local", "max 1\n")
        dir.makeFile("hugetlb.1GB.current", "0\n")
        dir.makeFile("hugetlb.1GB.events", "max 0\n")

        let max = "18446744073709551615"
        let expected = #"{"cpu":{"usage":{"total":12000,"kernel":9000,"user":3000},"#
            + #""throttling":{"periods":4,"throttledPeriods":1,"throttledTime":250000},"#
            + #""psi":{"some":{"avg10":1.5,"avg60":0,"avg300":0,"total":1234}}},"#
            + #""cpuset":"# + Self.cpusetZero + ","
            + #""memory":{"cache":8192,"usage":{"limit":"# + max + #","usage":12288,"failcnt":0},"#
            + #""swap":{"limit":"# + max + #","usage":12288,"failcnt":0},"#
            + #""kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0},"raw":{"anon":4096,"file":8192,"kernel":1024}},"#
            + #""pids":{"current":3},"#
            + #""blkio":{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":1024},{"major":8,"op":"Write","value":2048},"#
            + #"{"major":253,"minor":1,"op":"Read"},{"major":253,"minor":1,"op":"Write","value":4096}],"#
            + #""ioServicedRecursive":[{"major":8,"op":"Read","value":1},{"major":8,"op":"Write","value":2},"#
            + #"{"major":253,"minor":1,"op":"Read"},{"major":253,"minor":1,"op":"Write","value":3}]},"#
            + #""hugetlb":{"1GB":{"failcnt":0},"2MB":{"usage":2097152,"failcnt":2}},"#
            + #""intel_rdt":{},"network_interfaces":null}"#
        #expect(CgroupStats.read(directory: dir.path).serialized() == expected)

        // The reservation counter wins when the kernel has one.
        dir.makeFile("hugetlb.2MB.rsvd.current", "4194304\n")
        #expect(CgroupStats.read(directory: dir.path)["hugetlb"]?["2MB"]?["usage"] == .int(4_194_304))
    }
}
