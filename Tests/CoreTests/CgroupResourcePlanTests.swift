@testable import Core
import Rootless
import Testing

@Suite("CgroupResourcePlan: linux.resources to cgroup v2 files")
struct CgroupResourcePlanTests {
    typealias R = Spec.Resources

    static func files(_ resources: R) throws -> [String] {
        try CgroupResourcePlan.compile(resources).writes.map { "\($0.file)=\($0.value)" }
    }

    @Test("memory: limit, reservation, and swap as memory+swap minus the limit")
    func memory() throws {
        var r = R()
        r.memory = R.Memory()
        r.memory?.limit = 1 << 30
        r.memory?.reservation = 1 << 29
        r.memory?.swap = 3 << 29
        #expect(try Self.files(r) == ["memory.max=1073741824", "memory.low=536870912", "memory.swap.max=536870912"])
        r.memory?.limit = -1
        r.memory?.swap = 0
        #expect(try Self.files(r) == ["memory.max=max", "memory.low=536870912", "memory.swap.max=max"])
    }

    @Test("swap conversions and refusals, as runc has them")
    func swap() throws {
        #expect(try CgroupResourcePlan.swapMax(swap: -1, limit: 100) == "max")
        #expect(try CgroupResourcePlan.swapMax(swap: 0, limit: 100) == nil)
        #expect(try CgroupResourcePlan.swapMax(swap: 0, limit: -1) == "max")
        #expect(try CgroupResourcePlan.swapMax(swap: 150, limit: 100) == "50")
        #expect(try CgroupResourcePlan.swapMax(swap: 100, limit: 100) == "0")
        #expect(throws: RuntimeError.self) { try CgroupResourcePlan.swapMax(swap: 50, limit: 100) }
        #expect(throws: RuntimeError.self) { try CgroupResourcePlan.swapMax(swap: 50, limit: 0) }
        #expect(throws: RuntimeError.self) { try CgroupResourcePlan.swapMax(swap: 50, limit: -1) }
        #expect(throws: RuntimeError.self) { try CgroupResourcePlan.swapMax(swap: -2, limit: 100) }
    }

    @Test("cpu: shares to weight with runc's formula, quota/period to cpu.max, burst, cpuset")
    func cpu() throws {
        #expect(CgroupResourcePlan.weight(shares: 2) == 1)
        #expect(CgroupResourcePlan.weight(shares: 1024) == 39)
        #expect(CgroupResourcePlan.weight(shares: 262_144) == 10_000)
        #expect(CgroupResourcePlan.weight(shares: 1) == 1)
        var r = R()
        r.cpu = R.CPU()
        r.cpu?.shares = 1024
        r.cpu?.quota = 50_000
        r.cpu?.period = 100_000
        r.cpu?.burst = 1000
        r.cpu?.cpus = "0-1"
        r.cpu?.mems = "0"
        #expect(try Self.files(r) == ["cpu.weight=39", "cpu.max=50000 100000", "cpu.max.burst=1000", "cpuset.cpus=0-1", "cpuset.mems=0"])
        r.cpu = R.CPU()
        r.cpu?.period = 20_000
        #expect(try Self.files(r) == ["cpu.max=max 20000"])
        r.cpu?.period = nil
        r.cpu?.quota = -1
        #expect(try Self.files(r) == ["cpu.max=max"])
        r.cpu?.realtimeRuntime = 10
        #expect(try CgroupResourcePlan.compile(r).notes.count == 1)
    }

    @Test("pids, io weights and throttles, hugetlb, rdma")
    func others() throws {
        var r = R()
        r.pids = R.Pids(limit: 100)
        r.blockIO = R.BlockIO()
        r.blockIO?.weight = 500
        r.blockIO?.weightDevice = [R.WeightDevice(major: 8, minor: 0, weight: 1000)]
        r.blockIO?.throttleReadBpsDevice = [R.ThrottleDevice(major: 8, minor: 0, rate: 1 << 20)]
        r.blockIO?.throttleWriteIOPSDevice = [R.ThrottleDevice(major: 8, minor: 16, rate: 0)]
        r.hugepageLimits = [R.HugepageLimit(pageSize: "2MB", limit: 1 << 21)]
        r.rdma = ["mlx5_0": R.RDMA(hcaHandles: 3, hcaObjects: 100)]
        #expect(try Self.files(r) == [
            "pids.max=100", "io.weight=default 4950", "io.weight=8:0 10000", "io.max=8:0 rbps=1048576",
            "io.max=8:16 wiops=max", "hugetlb.2MB.max=2097152", "rdma.max=mlx5_0 hca_handle=3 hca_object=100",
        ])
        #expect(try CgroupResourcePlan.compile(r).controllers == ["pids", "io", "hugetlb", "rdma"])
        r = R()
        r.pids = R.Pids(limit: -1)
        #expect(try Self.files(r) == ["pids.max=max"])
        r.pids = R.Pids(limit: 0)
        #expect(try Self.files(r) == [])
    }

    @Test("unified: written as given, never as a path or over rsrun's own files")
    func unified() throws {
        var r = R()
        r.unified = ["memory.high": "1G", "cgroup.max.depth": "3"]
        let plan = try CgroupResourcePlan.compile(r)
        #expect(plan.writes.map { "\($0.file)=\($0.value)" } == ["cgroup.max.depth=3", "memory.high=1G"])
        #expect(plan.controllers == ["memory"])
        for key in ["../memory.max", "memory.max/x", ".hidden", "..", "nodot", "cgroup.procs", "cgroup.subtree_control"] {
            r.unified = [key: "1"]
            #expect(throws: RuntimeError.self, "\(key)") { try CgroupResourcePlan.compile(r) }
        }
    }

    @Test("what v2 has no file for is noted, not dropped silently")
    func notes() throws {
        var r = R()
        r.memory = R.Memory()
        r.memory?.disableOOMKiller = true
        r.memory?.kernel = 1
        r.network = R.Network()
        let plan = try CgroupResourcePlan.compile(r)
        #expect(plan.writes.isEmpty)
        #expect(plan.notes.count == 3 && plan.notes[0].contains("disableOOMKiller"))
    }
}
