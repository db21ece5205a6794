@testable import Core
import Glibc
import Rootless
import Testing

@Suite("SystemdScope: the transient unit's properties, versions, cgroup paths; SDBus loading")
struct SystemdScopeTests {
    @Test("a scope gets runc's fixed properties, then the resources'")
    func scopeProperties() {
        let props = SystemdScope.unitProperties(unit: "rsrun-c1.scope", slice: "system.slice", pid: 42, description: "d",
                                                resources: [.init("MemoryMax", .uint64(1))])
        #expect(props.map(\.description) == [
            "Description=d", "Slice=system.slice", "PIDs=[42]", "Delegate=true",
            "MemoryAccounting=true", "CPUAccounting=true", "IOAccounting=true", "TasksAccounting=true",
            "DefaultDependencies=false", "MemoryMax=1",
        ])
    }

    @Test("a slice unit is ordered after its parent with Wants= and is not delegated")
    func sliceProperties() {
        let props = SystemdScope.unitProperties(unit: "kubepods-pod1.slice", slice: "kubepods.slice", pid: -1,
                                                description: "d", resources: [])
        #expect(props.map(\.name) == [
            "Description", "Wants", "MemoryAccounting", "CPUAccounting", "IOAccounting", "TasksAccounting", "DefaultDependencies",
        ])
    }

    @Test("systemd's version from Manager.Version")
    func version() {
        #expect(SystemdScope.parseVersion("252.22-1~deb12u1") == 252)
        #expect(SystemdScope.parseVersion("v245.4-1.fc32") == 245)
        #expect(SystemdScope.parseVersion("\"v245\"") == 245)
        #expect(SystemdScope.parseVersion("257") == 257)
        #expect(SystemdScope.parseVersion("unknown") == nil)
    }

    @Test("the cgroup directory from a /proc/<pid>/cgroup text")
    func procCgroup() throws {
        let v2 = "0::/system.slice/rsrun-c1.scope\n"
        #expect(SystemdScope.cgroupPath(procCgroup: v2, mount: "/sys/fs/cgroup") == "/sys/fs/cgroup/system.slice/rsrun-c1.scope")
        let hybrid = "12:pids:/user.slice\n1:name=systemd:/user.slice/x.scope\n0::/user.slice/x.scope\n"
        #expect(SystemdScope.cgroupPath(procCgroup: hybrid, mount: "/m") == "/m/user.slice/x.scope")
        #expect(SystemdScope.cgroupPath(procCgroup: "0::/\n", mount: "/m") == "/m")
        #expect(SystemdScope.cgroupPath(procCgroup: "4:memory:/a\n", mount: "/m") == nil)
        // Our own, whatever it is, is under the mount.
        #expect(try SystemdScope.cgroupPath(of: getpid(), mount: "/m").hasPrefix("/m"))
        #expect(throws: RuntimeError.self) { try SystemdScope.cgroupPath(of: -5) }
    }

    static let haveLibsystemd: Bool = {
        guard let handle = dlopen(SDBus.library, RTLD_NOW | RTLD_LOCAL) else { return false }
        dlclose(handle)
        return true
    }()

    @Test("with libsystemd.so.0 installed, every sd-bus symbol resolves", .enabled(if: haveLibsystemd, "no libsystemd.so.0 here"))
    func symbols() throws {
        _ = try SDBus.load()
    }

    @Test("without libsystemd, the error says which package to install")
    func noLibsystemd() throws {
        do {
            _ = try SDBus.load("libsystemd-not-here.so.0")
            Issue.record("loaded a library that does not exist")
        } catch let error as RuntimeError {
            #expect(error.description == "the systemd cgroup driver needs libsystemd.so.0 (apt install libsystemd0)")
        }
    }

    @Test("a user bus address with nothing behind it is a one-line error naming it",
          .enabled(if: haveLibsystemd, "no libsystemd.so.0 here"))
    func unreachableUserBus() throws {
        do {
            _ = try Bus.user(address: "unix:path=/nonexistent/rsrun/bus")
            Issue.record("connected to nothing")
        } catch let error as RuntimeError {
            #expect(error.description.contains("cannot connect to the user bus at unix:path=/nonexistent/rsrun/bus"))
            #expect(error.errno != nil)
        }
    }
}
