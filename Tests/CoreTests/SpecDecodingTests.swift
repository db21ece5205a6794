import Core
import Rootless
import Testing

@Suite("Spec decoding")
struct SpecDecodingTests {
    private func parse(_ text: String) throws -> Spec {
        try Spec.parse(SpecFixtures.bytes(text))
    }

    @Test func runcDefault() throws {
        let spec = try parse(SpecFixtures.runcDefault)
        #expect(spec.ociVersion == "1.2.0")
        #expect(spec.root == Spec.Root(path: "rootfs", readonly: true))
        #expect(spec.hostname == "runc")
        #expect(spec.domainname == nil)
        let process = try #require(spec.process)
        #expect(process.terminal)
        #expect(process.user == Spec.User(uid: 0, gid: 0))
        #expect(process.args == ["sh"])
        #expect(process.env.count == 2)
        #expect(process.cwd == "/")
        #expect(process.noNewPrivileges)
        #expect(process.capabilities?.bounding == ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])
        #expect(process.capabilities?.ambient == nil)
        #expect(process.rlimits == [Spec.Rlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)])
        #expect(spec.mounts.map(\.destination) == ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"])
        #expect(spec.mounts[0].options == [])
        #expect(spec.mounts[2].options.last == "gid=5")
        let linux = try #require(spec.linux)
        #expect(linux.namespaces.map(\.type) == [.pid, .network, .ipc, .uts, .mount, .cgroup])
        #expect(linux.namespaces.allSatisfy { $0.path == nil })
        #expect(linux.resources?.devices == [Spec.Resources.DeviceRule(allow: false, access: "rwm")])
        #expect(linux.maskedPaths.count == 10)
        #expect(linux.readonlyPaths.last == "/proc/sysrq-trigger")
        #expect(linux.uidMappings.isEmpty)
        #expect(spec.hooks == nil)
    }

    @Test func runcRootless() throws {
        let spec = try parse(SpecFixtures.runcRootless)
        let linux = try #require(spec.linux)
        #expect(linux.uidMappings == [IDMapping(containerID: 0, hostID: 1000, size: 1)])
        #expect(linux.gidMappings == [IDMapping(containerID: 0, hostID: 1000, size: 1)])
        #expect(linux.namespace(.user) != nil)
        #expect(linux.namespace(.network) == nil)
        #expect(linux.resources == nil)
        #expect(spec.process?.terminal == false)
        #expect(spec.mounts.last == Spec.Mount(destination: "/sys", type: "none", source: "/sys",
                                               options: ["rbind", "nosuid", "noexec", "nodev", "ro"]))
    }

    @Test func podmanStyle() throws {
        let spec = try parse(SpecFixtures.podmanStyle)
        #expect(spec.ociVersion == "1.1.0+dev")
        let process = try #require(spec.process)
        #expect(process.args == ["/usr/bin/bash", "-c", "echo \"hi\" > /tmp/out"])
        #expect(process.user == Spec.User(uid: 1000, gid: 1000, umask: 18, additionalGids: [1000, 10]))
        #expect(process.capabilities?.effective == [])
        #expect(process.rlimits.map(\.type) == ["RLIMIT_NOFILE", "RLIMIT_NPROC"])
        #expect(process.oomScoreAdj == 200)
        #expect(process.apparmorProfile == "")
        #expect(spec.annotations["io.container.manager"] == "libpod")
        #expect(spec.annotations.count == 3)
        #expect(spec.mounts[2].uidMappings == [IDMapping(containerID: 0, hostID: 1, size: 65536)])
        let linux = try #require(spec.linux)
        #expect(linux.uidMappings.count == 3)
        #expect(linux.uidMappings.hostID(for: 1000) == 0)
        #expect(linux.sysctl == ["net.ipv4.ping_group_range": "0 0"])
        #expect(linux.resources?.pids == Spec.Resources.Pids(limit: 2048))
        #expect(linux.cgroupsPath == "user.slice:libpod:c0ffee")
        #expect(linux.namespace(.network)?.path == "/run/user/1000/netns/netns-1234")
        // An empty path means "create a new namespace", same as no path.
        #expect(linux.namespace(.cgroup) == Spec.Namespace(type: .cgroup))
        let seccomp = try #require(linux.seccomp)
        #expect(seccomp.defaultAction == .errno)
        #expect(seccomp.defaultErrnoRet == 38)
        #expect(seccomp.architectures.count == 3)
        #expect(seccomp.syscalls[1].args == [Spec.Seccomp.Arg(index: 0, value: 4_294_967_295, op: .equal)])
        #expect(seccomp.syscalls[2].errnoRet == 1)
        #expect(seccomp.syscalls[2].args[0].valueTwo == 0)
        #expect(seccomp.syscalls[2].args[0].op == .maskedEqual)
    }

    @Test func everyField() throws {
        let spec = try parse(SpecFixtures.everything)
        #expect(spec.domainname == "example.org")
        let process = try #require(spec.process)
        #expect(process.consoleSize == Spec.ConsoleSize(height: 24, width: 80))
        #expect(process.user.username == "someone")
        #expect(process.user.umask == 0o77)
        #expect(process.commandLine == "true.exe")
        #expect(process.rlimits[0].hard == UInt64.max)
        #expect(process.oomScoreAdj == -1000)
        #expect(process.ioPriority == Spec.IOPriority(ioClass: .bestEffort, priority: 4))
        let scheduler = try #require(process.scheduler)
        #expect(scheduler.policy == .deadline)
        #expect(scheduler.nice == -5)
        #expect(scheduler.flags == [.resetOnFork, .reclaim])
        #expect(scheduler.runtime == 10_000_000)
        #expect(scheduler.period == 30_000_000)
        #expect(process.execCPUAffinity == Spec.ExecCPUAffinity(initial: "0-3", final: "7"))
        #expect(process.execCPUAffinity?.final == "7")

        let hooks = try #require(spec.hooks)
        #expect(hooks.createRuntime == [Spec.Hook(path: "/usr/bin/net-setup", args: ["net-setup", "up"], env: ["X=1"], timeout: 5)])
        #expect(hooks.poststop[0].timeout == 30)
        #expect(hooks.prestart.count == 1)

        let linux = try #require(spec.linux)
        #expect(linux.timeOffsets == Spec.TimeOffsets(monotonic: Spec.TimeOffset(secs: -86400, nanosecs: 5),
                                                       boottime: Spec.TimeOffset(secs: 3600)))
        #expect(linux.devices[0].type == .char)
        #expect(linux.devices[0].fileMode == 0o666)
        #expect(linux.devices[1] == Spec.Device(type: .fifo, path: "/dev/myfifo"))
        #expect(linux.netDevices == ["eth1": Spec.NetDevice(name: "net0")])
        #expect(linux.rootfsPropagation == .rslave)
        #expect(linux.sysctl["kernel.shm_rmid_forced"] == "1")
        #expect(linux.intelRdt?.closID == "guaranteed_group")
        #expect(linux.intelRdt?.enableMBM == false)
        #expect(linux.personality == Spec.Personality(domain: .linux32))
        #expect(linux.memoryPolicy == Spec.MemoryPolicy(mode: .interleave, nodes: "0-1", flags: [.staticNodes]))

        let resources = try #require(linux.resources)
        #expect(resources.devices[1] == Spec.Resources.DeviceRule(allow: true, type: .char, major: 10, minor: 229, access: "rw"))
        #expect(resources.memory?.limit == 536_870_912)
        #expect(resources.memory?.reservation == -1)
        #expect(resources.memory?.swappiness == 0)
        #expect(resources.memory?.checkBeforeUpdate == true)
        #expect(resources.cpu?.shares == 1024)
        #expect(resources.cpu?.quota == -1)
        #expect(resources.cpu?.cpus == "0-3")
        #expect(resources.cpu?.idle == 1)
        #expect(resources.blockIO?.weight == 500)
        #expect(resources.blockIO?.weightDevice == [Spec.Resources.WeightDevice(major: 8, minor: 0, weight: 600, leafWeight: 200)])
        #expect(resources.blockIO?.throttleWriteIOPSDevice == [Spec.Resources.ThrottleDevice(major: 8, minor: 0, rate: 200)])
        #expect(resources.hugepageLimits == [Spec.Resources.HugepageLimit(pageSize: "2MB", limit: 209_715_200)])
        #expect(resources.network?.classID == 1_048_577)
        #expect(resources.network?.priorities == [Spec.Resources.InterfacePriority(name: "eth0", priority: 500)])
        #expect(resources.pids?.limit == -1)
        #expect(resources.rdma["mlx5_1"] == Spec.Resources.RDMA(hcaHandles: 3, hcaObjects: 10000))
        #expect(resources.unified["io.weight"] == "default 100")

        let seccomp = try #require(linux.seccomp)
        #expect(seccomp.flags == ["SECCOMP_FILTER_FLAG_LOG"])
        #expect(seccomp.listenerPath == "/run/seccomp-agent.sock")
        #expect(seccomp.listenerMetadata == "meta")
        #expect(seccomp.syscalls == [Spec.Seccomp.Syscall(names: ["mkdir"], action: .notify)])
    }

    @Test func nullMeansAbsent() throws {
        let spec = try parse(SpecFixtures.config(#""hostname": null, "hooks": null, "linux": {"seccomp": null, "sysctl": {"a": null}}"#))
        #expect(spec.hostname == nil)
        #expect(spec.hooks == nil)
        #expect(spec.linux?.seccomp == nil)
        #expect(spec.linux?.sysctl == [:])
    }

    @Test func unknownFieldsAreIgnored() throws {
        let spec = try parse(SpecFixtures.config(#""windows": {"layerFolders": []}, "vm": {"hypervisor": {}}, "x-custom": 1"#))
        #expect(spec.linux == nil)
        #expect(spec.process?.args == ["sh"])
    }

    @Test func processIsOptional() throws {
        let spec = try Spec.parse(SpecFixtures.bytes(#"{"ociVersion": "1.0.2", "root": {"path": "/r"}}"#))
        #expect(spec.process == nil)
        #expect(spec.mounts.isEmpty)
    }

    @Test func duplicateMapKeysLastWins() throws {
        let spec = try parse(SpecFixtures.config(#""annotations": {"k": "1", "k": "2"}"#))
        #expect(spec.annotations == ["k": "2"])
    }

    @Test func integerEdges() throws {
        let process = #"{"user": {"uid": 4294967295, "gid": 0}, "args": ["sh"], "cwd": "/"}"#
        let spec = try parse(SpecFixtures.config(
            #""linux": {"resources": {"memory": {"limit": -9223372036854775808}, "cpu": {"shares": 18446744073709551615}}}"#,
            process: process))
        #expect(spec.process?.user.uid == UInt32.max)
        #expect(spec.linux?.resources?.memory?.limit == Int64.min)
        #expect(spec.linux?.resources?.cpu?.shares == UInt64.max)
    }

    @Test func builtSpecValidates() throws {
        var spec = Spec(ociVersion: "1.2.0", root: Spec.Root(path: "rootfs"))
        spec.process = Spec.Process(user: Spec.User(uid: 0, gid: 0), args: ["sh"], cwd: "/")
        var linux = Spec.Linux()
        linux.namespaces = [Spec.Namespace(type: .pid), Spec.Namespace(type: .pid)]
        spec.linux = linux
        let error = #expect(throws: RuntimeError.self) { try spec.validate() }
        #expect(error?.description == #"linux.namespaces[1].type: duplicate namespace type "pid" (also linux.namespaces[0])"#)
    }
}
