@testable import Core
@testable import Rootless
import Testing

@Suite("Default spec template")
struct DefaultSpecTests {
    static func parsed(rootless: Bool, uid: UInt32 = 1000, gid: UInt32 = 1001, pretty: Bool = true) throws -> Spec {
        let maps = rootless ? IDMaps(uids: [IDMapping(containerID: 0, hostID: uid, size: 1)], gids: [IDMapping(containerID: 0, hostID: gid, size: 1)]) : nil
        let text = JSONWriter.serialize(DefaultSpec.json(mappings: maps), pretty: pretty)
        return try Spec.parse(Array(text.utf8))
    }

    static func mount(_ spec: Spec, _ destination: String) -> Spec.Mount? {
        spec.mounts.first { $0.destination == destination }
    }

    @Test("both variants parse and validate, compact and pretty", arguments: [false, true], [false, true])
    func parses(_ rootless: Bool, _ pretty: Bool) throws {
        let spec = try Self.parsed(rootless: rootless, pretty: pretty)
        #expect(spec.ociVersion == "1.2.0")
        #expect(spec.root == Spec.Root(path: "rootfs", readonly: true))
        #expect(spec.process?.args == ["sh"])
        #expect(spec.process?.terminal == false)
        #expect(spec.process?.user.uid == 0)
        #expect(spec.hostname == "rsrun")
        #expect(spec.linux?.namespace(.mount) != nil)
        #expect(spec.linux?.namespace(.uts) != nil)
    }

    @Test("rootless: own user namespace with the given ids, host network, /sys bound, no gid=5")
    func rootless() throws {
        let spec = try Self.parsed(rootless: true, uid: 1000, gid: 1001)
        let linux = try #require(spec.linux)
        #expect(linux.namespace(.user) != nil)
        #expect(linux.namespace(.network) == nil)
        #expect(linux.uidMappings == [IDMapping(containerID: 0, hostID: 1000, size: 1)])
        #expect(linux.gidMappings == [IDMapping(containerID: 0, hostID: 1001, size: 1)])
        #expect(linux.resources == nil)

        let sys = try #require(Self.mount(spec, "/sys"))
        #expect(sys.source == "/sys")
        #expect(sys.options.contains("rbind"))
        #expect(sys.type != "sysfs")
        #expect(Self.mount(spec, "/sys/fs/cgroup") == nil)

        let devpts = try #require(Self.mount(spec, "/dev/pts"))
        #expect(!devpts.options.contains("gid=5"))
        #expect(devpts.options.contains("newinstance"))
    }

    @Test("rootless with a subordinate range: both ranges written, devpts keeps gid=5")
    func rootlessWide() throws {
        let wide = [IDMapping(containerID: 0, hostID: 1000, size: 1), IDMapping(containerID: 1, hostID: 100_000, size: 65536)]
        let text = JSONWriter.serialize(DefaultSpec.json(mappings: IDMaps(uids: wide, gids: wide)), pretty: true)
        let spec = try Spec.parse(Array(text.utf8))
        #expect(spec.linux?.uidMappings == wide && spec.linux?.gidMappings == wide)
        #expect(Self.mount(spec, "/dev/pts")?.options.contains("gid=5") == true)
    }

    @Test("rootful: network namespace, sysfs, cgroup, gid=5, no user namespace")
    func rootful() throws {
        let spec = try Self.parsed(rootless: false)
        let linux = try #require(spec.linux)
        #expect(linux.namespaces.map(\.type) == [.pid, .network, .ipc, .uts, .mount, .cgroup])
        #expect(linux.uidMappings.isEmpty && linux.gidMappings.isEmpty)
        #expect(Self.mount(spec, "/sys")?.type == "sysfs")
        #expect(Self.mount(spec, "/sys/fs/cgroup")?.type == "cgroup")
        #expect(Self.mount(spec, "/dev/pts")?.options.contains("gid=5") == true)
    }

    @Test("the rootless template compiles for the unprivileged user it was made for")
    func rootlessCompiles() throws {
        let bundle = try TestBundle()
        let identity = Identity(kind: .unprivileged, uid: 1000, gid: 1001, sessionUID: 1000, rootless: true, canSetGroups: false)
        let plan = try PlanCompiler(identity: identity, bundle: bundle.path, id: "c1")
            .compile(Self.parsed(rootless: true, uid: 1000, gid: 1001))
        #expect(plan.rootfs == bundle.path + "/rootfs")
        #expect(plan.cloneFlags & CloneFlag.newUser != 0)
        #expect(plan.cloneFlags & CloneFlag.newNet == 0)
        #expect(plan.userNamespace?.setgroupsDenied == true)
        let sys = try #require(plan.mounts.first { $0.destination == "/sys" })
        #expect(sys.kind == .bind)
        #expect(sys.flags == MountFlag.bind | MountFlag.rec | MountFlag.nosuid | MountFlag.noexec | MountFlag.nodev | MountFlag.rdonly)
        #expect(plan.mounts.first { $0.destination == "/dev/pts" }?.data == "newinstance,ptmxmode=0666,mode=0620")
        #expect(plan.devices.useMknod == false)
        #expect(plan.hostname == "rsrun")
        #expect(plan.readonlyRoot)
    }

    @Test("the rootful template compiles for root")
    func rootfulCompiles() throws {
        let bundle = try TestBundle()
        let plan = try PlanCompiler(identity: Identities.root, bundle: bundle.path, id: "c1").compile(Self.parsed(rootless: false))
        #expect(plan.userNamespace == nil)
        #expect(plan.devices.useMknod)
        #expect(plan.bringUpLoopback)
        #expect(plan.mounts.first { $0.destination == "/sys" }?.fallbackToHostBind == false)
        #expect(plan.mounts.first { $0.destination == "/dev/pts" }?.data == "newinstance,ptmxmode=0666,mode=0620,gid=5")
    }
}
