@testable import Core
import Rootless
import Testing

@Suite("SystemdProperties: linux.resources as unit properties")
struct SystemdPropertiesTests {
    typealias R = Spec.Resources
    static let inf = SystemdProperty.infinity

    static func props(_ r: R, version: Int? = nil) throws -> [String] {
        try SystemdProperties.from(r, systemdVersion: version).map(\.description)
    }

    @Test("nothing set, nothing sent")
    func empty() throws {
        #expect(try Self.props(R()).isEmpty)
    }

    @Test("memory: MemoryMax, MemoryLow, and MemorySwapMax as memory+swap minus the limit")
    func memory() throws {
        var r = R()
        r.memory = R.Memory()
        r.memory?.limit = 1 << 30
        r.memory?.reservation = 1 << 29
        r.memory?.swap = 3 << 29
        #expect(try Self.props(r) == ["MemoryMax=1073741824", "MemoryLow=536870912", "MemorySwapMax=536870912"])
        r.memory?.limit = -1
        r.memory?.reservation = nil
        r.memory?.swap = 0
        #expect(try Self.props(r) == ["MemoryMax=infinity", "MemorySwapMax=infinity"])
        r.memory?.limit = 100
        r.memory?.swap = -1
        #expect(try SystemdProperties.from(r).last == SystemdProperty("MemorySwapMax", .uint64(Self.inf)))
        r.memory?.swap = 50
        #expect(throws: RuntimeError.self) { try SystemdProperties.from(r) }
    }

    @Test("cpu: CPUWeight from shares with runc's formula")
    func weight() throws {
        var r = R()
        r.cpu = R.CPU()
        r.cpu?.shares = 1024
        #expect(try Self.props(r) == ["CPUWeight=39"])
        r.cpu?.shares = 2
        #expect(try Self.props(r) == ["CPUWeight=1"])
        r.cpu?.shares = 262_144
        #expect(try Self.props(r) == ["CPUWeight=10000"])
        r.cpu?.shares = 0
        #expect(try Self.props(r).isEmpty)
    }

    @Test("cpu: quota per second, rounded up to whole 10 ms, and the period from systemd 242")
    func quota() throws {
        var r = R()
        r.cpu = R.CPU()
        r.cpu?.quota = 50_000
        r.cpu?.period = 100_000
        #expect(try Self.props(r) == ["CPUQuotaPeriodUSec=100000", "CPUQuotaPerSecUSec=500000"])
        #expect(try Self.props(r, version: 241) == ["CPUQuotaPerSecUSec=500000"])
        r.cpu?.quota = 12_345
        #expect(try Self.props(r, version: 252) == ["CPUQuotaPeriodUSec=100000", "CPUQuotaPerSecUSec=130000"])
        r.cpu?.quota = 3_333
        r.cpu?.period = 10_000
        #expect(try Self.props(r) == ["CPUQuotaPeriodUSec=10000", "CPUQuotaPerSecUSec=340000"])
        // No period: the kernel's default 100 ms.
        r.cpu?.period = nil
        r.cpu?.quota = 200_000
        #expect(try Self.props(r) == ["CPUQuotaPerSecUSec=2000000"])
        // No quota with a period: unlimited.
        r.cpu?.quota = -1
        r.cpu?.period = 50_000
        #expect(try Self.props(r) == ["CPUQuotaPeriodUSec=50000", "CPUQuotaPerSecUSec=infinity"])
        r.cpu?.quota = Int64.max
        #expect(throws: RuntimeError.self) { try SystemdProperties.from(r) }
    }

    @Test("cpuset: AllowedCPUs and AllowedMemoryNodes as little-endian bitmasks, from systemd 244")
    func cpuset() throws {
        #expect(try SystemdProperties.bitmask("0-3,7", field: "f") == [0x8F])
        #expect(try SystemdProperties.bitmask("8", field: "f") == [0x00, 0x01])
        #expect(try SystemdProperties.bitmask(" 1 ", field: "f") == [0x02])
        #expect(try SystemdProperties.bitmask("0,63-64", field: "f") == [0x01, 0, 0, 0, 0, 0, 0, 0x80, 0x01])
        #expect(throws: RuntimeError.self) { try SystemdProperties.bitmask("3-1", field: "f") }
        #expect(throws: RuntimeError.self) { try SystemdProperties.bitmask("x", field: "f") }
        var r = R()
        r.cpu = R.CPU()
        r.cpu?.cpus = "0-1"
        r.cpu?.mems = "0"
        #expect(try SystemdProperties.from(r) == [.init("AllowedCPUs", .bytes([0x03])), .init("AllowedMemoryNodes", .bytes([0x01]))])
        #expect(try Self.props(r, version: 243).isEmpty)
        r.cpu?.cpus = "0-"
        #expect(throws: RuntimeError.self) { try SystemdProperties.from(r) }
    }

    @Test("pids: TasksMax, -1 is infinity, 0 leaves it alone")
    func pids() throws {
        var r = R()
        r.pids = R.Pids(limit: 64)
        #expect(try Self.props(r) == ["TasksMax=64"])
        r.pids = R.Pids(limit: -1)
        #expect(try Self.props(r) == ["TasksMax=infinity"])
        r.pids = R.Pids(limit: 0)
        #expect(try Self.props(r).isEmpty)
    }

    @Test("blockIO: IOWeight with the same conversion as cgroupfs' io.weight")
    func io() throws {
        var r = R()
        r.blockIO = R.BlockIO()
        r.blockIO?.weight = 500
        #expect(try Self.props(r) == ["IOWeight=4950"])
        r.blockIO?.weight = 10
        #expect(try Self.props(r) == ["IOWeight=1"])
        r.blockIO?.weight = 1000
        #expect(try Self.props(r) == ["IOWeight=10000"])
    }

    @Test("unified keys with a property, after the typed fields; other keys are left to cgroupfs")
    func unified() throws {
        var r = R()
        r.memory = R.Memory()
        r.memory?.limit = 1000
        r.unified = [
            "memory.max": "max", "memory.high": " 4096\n", "memory.low": "1", "memory.min": "2", "memory.swap.max": "0",
            "pids.max": "max", "cpu.weight": "100", "cpu.max": "max 20000", "cpuset.cpus": "2", "cpuset.mems": "0",
            "io.max": "8:0 rbps=1", "memory.oom.group": "1",
        ]
        #expect(try Self.props(r) == [
            "MemoryMax=1000",
            "CPUQuotaPeriodUSec=20000", "CPUQuotaPerSecUSec=infinity", "CPUWeight=100",
            "AllowedCPUs=[4]", "AllowedMemoryNodes=[1]",
            "MemoryHigh=4096", "MemoryLow=1", "MemoryMax=infinity", "MemoryMin=2", "MemorySwapMax=0", "TasksMax=infinity",
        ])
        r.unified = ["cpu.max": "25000"]
        r.memory = nil
        #expect(try Self.props(r) == ["CPUQuotaPeriodUSec=100000", "CPUQuotaPerSecUSec=250000"])
        r.unified = ["cpuset.cpus": "1"]
        #expect(try Self.props(r, version: 243).isEmpty)
    }

    @Test("malformed unified values are errors naming the key", arguments: [
        ("memory.max", "lots"), ("pids.max", "-1"), ("cpu.weight", "max"), ("cpu.max", "1 2 3"), ("cpu.max", "x"),
        ("cpu.max", "1000 y"), ("cpuset.cpus", "a-b"),
    ])
    func unifiedErrors(_ key: String, _ value: String) throws {
        var r = R()
        r.unified = [key: value]
        do {
            _ = try SystemdProperties.from(r)
            Issue.record("\(key)=\(value) was accepted")
        } catch let error as RuntimeError {
            #expect(error.path == "linux.resources.unified.\(key)")
        }
    }

    @Test("value signatures are D-Bus's")
    func signatures() {
        let values: [SystemdProperty.Value] = [.string(""), .bool(true), .uint64(0), .int64(0), .uint32(0), .bytes([]), .uint32s([])]
        #expect(values.map(\.signature) == ["s", "b", "t", "x", "u", "ay", "au"])
    }
}
