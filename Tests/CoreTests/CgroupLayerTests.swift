@testable import Core
import Rootless
import Testing

@Suite("cgroupfs paths, update flags, and the cgroup in state.json")
struct CgroupLayerTests {
    @Test("cgroupsPath: absolute from the root, relative and default from our cgroup's parent", arguments: [
        (nil as String?, "/", "/c1"),
        ("", "/user.slice/u.scope", "/user.slice/c1"),
        ("/a/b", "/x/y", "/a/b"),
        ("a/./b", "/x/y", "/x/a/b"),
        ("//a//b/", "/", "/a/b"),
    ])
    func cgroupfsPath(_ given: String?, _ own: String, _ expected: String) throws {
        #expect(try CgroupfsPath.resolve(given, id: "c1", ownCgroup: own) == expected)
    }

    @Test("cgroupsPath refusals: climbing out, the root itself, the systemd form", arguments: ["../../x", "/a/../b", "/", "system.slice:rsrun:c1"])
    func cgroupfsPathRefused(_ given: String) {
        #expect(throws: RuntimeError.self) { try CgroupfsPath.resolve(given, id: "c1", ownCgroup: "/") }
    }

    @Test("our own cgroup from /proc/self/cgroup, hybrid or unified")
    func ownCgroup() {
        #expect(CgroupHierarchy.ownCgroup("9:name=systemd:/\n4:memory:/x\n0::/user.slice/a.scope\n") == "/user.slice/a.scope")
        #expect(CgroupHierarchy.ownCgroup("0::/\n") == "/")
        #expect(CgroupHierarchy.ownCgroup("4:memory:/x\n") == nil)
        #expect(CgroupHierarchy(mountPoint: "/sys/fs/cgroup/unified", layout: .hybrid, ownCgroup: "/").directory("/c1") == "/sys/fs/cgroup/unified/c1")
    }

    @Test("sizes as runc's --memory reads them", arguments: [
        ("-1", -1 as Int64), ("1024", 1024), ("512k", 524_288), ("32m", 33_554_432), ("32M", 33_554_432),
        ("64MiB", 67_108_864), ("2GB", 2_147_483_648), ("1.5g", 1_610_612_736), ("7b", 7),
    ])
    func sizes(_ text: String, _ bytes: Int64) throws {
        #expect(try ResourceUpdate.bytes(text, "--memory") == bytes)
    }

    @Test("sizes refused", arguments: ["", "lots", "-2", "12x", "1e3", "m"])
    func badSizes(_ text: String) {
        #expect(throws: RuntimeError.self) { try ResourceUpdate.bytes(text, "--memory") }
    }

    @Test("update flags over a resources document")
    func flagsOverDocument() throws {
        var base = Spec.Resources()
        base.pids = Spec.Resources.Pids(limit: 5)
        base.memory = Spec.Resources.Memory()
        base.memory?.limit = 1 << 20
        let flags = ["--memory": "64m", "--cpu-quota": "50000", "--cpu-share": "1024", "--cpuset-cpus": "0-1"]
        let r = try ResourceUpdate.apply({ flags[$0] }, to: base)
        #expect(r.memory?.limit == 64 << 20)
        #expect(r.pids?.limit == 5)
        #expect(r.cpu?.quota == 50000 && r.cpu?.shares == 1024 && r.cpu?.cpus == "0-1")
        #expect(throws: RuntimeError.self) { try ResourceUpdate.apply({ $0 == "--pids-limit" ? "many" : nil }, to: base) }
        #expect(throws: RuntimeError.self) { try ResourceUpdate.apply({ $0 == "--l3-cache-schema" ? "L3:0=f" : nil }, to: base) }
    }

    @Test("a resources document parses with errors naming the file's field")
    func document() throws {
        let r = try ResourceUpdate.parse(Array(#"{"memory": {"limit": 1048576}, "pids": {"limit": 3}}"#.utf8), source: "r.json")
        #expect(r.memory?.limit == 1_048_576 && r.pids?.limit == 3)
        #expect(throws: RuntimeError(path: "memory.limit", "expected a number")) {
            try ResourceUpdate.parse(Array(#"{"memory": {"limit": "lots"}}"#.utf8), source: "r.json")
        }
    }

    @Test("the cgroup survives a state.json round trip; a directory outside /sys/fs/cgroup, or a madeFrom not above it, is corrupt")
    func recordRoundTrip() throws {
        var record = ContainerRecord(id: "c1", pid: 7, startTime: 9, bundle: "/b", rootfs: "/b/r", created: "t", ociVersion: "1.2.0",
                                     annotations: [], ownerUID: 0, rootless: false)
        record.cgroup = CgroupLocation(driver: .systemd, path: "/sys/fs/cgroup/system.slice/rsrun-c1.scope", unit: "rsrun-c1.scope")
        let parsed = try ContainerRecord(json: JSONParser.parse(Array(record.json.serialized().utf8), source: "s"), path: "s")
        #expect(parsed == record)
        // The parents create made (containerd's /<namespace>) come back for delete to remove.
        record.cgroup = CgroupLocation(driver: .cgroupfs, path: "/sys/fs/cgroup/unified/default/c1", madeFrom: "/sys/fs/cgroup/unified/default")
        #expect(try ContainerRecord(json: JSONParser.parse(Array(record.json.serialized().utf8), source: "s"), path: "s") == record)
        for bad in [CgroupLocation(driver: .cgroupfs, path: "/sys/fs/cgroup/../../etc"),
                    CgroupLocation(driver: .cgroupfs, path: "/sys/fs/cgroup/a/c1", madeFrom: "/sys/fs/cgroup/b"),
                    CgroupLocation(driver: .cgroupfs, path: "/sys/fs/cgroup/a/c1", madeFrom: "/sys/fs/cgroup/a/c1")] {
            record.cgroup = bad
            #expect(throws: RuntimeError.self) {
                try ContainerRecord(json: JSONParser.parse(Array(record.json.serialized().utf8), source: "s"), path: "s")
            }
        }
    }

    @Test("the disabled driver: a warning without limits, an error naming the field with them")
    func disabled() throws {
        let manager = DisabledCgroupManager(reason: "no delegation")
        var request = CgroupRequest(id: "c1", path: nil, resources: Spec.Resources(), writes: CgroupResourcePlan(), devices: nil)
        let placement = try manager.prepare(request)
        #expect(placement.warning?.contains("no delegation") == true && placement.directoryFD == -1)
        var resources = Spec.Resources()
        resources.pids = Spec.Resources.Pids(limit: 20)
        request = CgroupRequest(id: "c1", path: nil, resources: resources, writes: try CgroupResourcePlan.compile(resources), devices: nil)
        #expect(throws: RuntimeError(path: "linux.resources.pids.limit", "needs a cgroup, and this container gets none: no delegation")) {
            try manager.prepare(request)
        }
        request = CgroupRequest(id: "c1", path: "/mine", resources: Spec.Resources(), writes: CgroupResourcePlan(), devices: nil)
        #expect(throws: RuntimeError.self) { try manager.prepare(request) }
    }
}
