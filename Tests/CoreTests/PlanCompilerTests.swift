@testable import Core
@testable import Rootless
import Testing

@Suite("Plan compiler")
struct PlanCompilerTests {
    static let subordinate = [IDMapping(containerID: 0, hostID: 100_000, size: 65536)]
    static let devpts = #"{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]}"#
    static let sysfs = #"{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}"#

    // MARK: namespaces and clone flags

    @Test("clone flags follow the namespace list (root)", arguments: [
        (["mount"], CloneFlag.newNS),
        (["pid", "mount"], CloneFlag.newPID | CloneFlag.newNS),
        (["pid", "network", "ipc", "uts", "mount", "cgroup"],
         CloneFlag.newPID | CloneFlag.newNet | CloneFlag.newIPC | CloneFlag.newUTS | CloneFlag.newNS | CloneFlag.newCgroup),
        (["mount", "time"], CloneFlag.newNS),
    ] as [([String], UInt64)])
    func cloneFlags(_ namespaces: [String], _ expected: UInt64) throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = namespaces
        let plan = try bundle.compile(spec, as: Identities.root)
        #expect(plan.cloneFlags == expected)
        #expect(plan.userNamespace == nil)
        #expect(plan.newTimeNamespace == namespaces.contains("time"))
        #expect(plan.bringUpLoopback == namespaces.contains("network"))
        #expect(plan.namespaceJoins.isEmpty)
    }

    @Test("a user namespace with mappings is honoured for root")
    func rootUserNamespace() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = ["user", "mount"]
        spec.uidMappings = Self.subordinate
        spec.gidMappings = Self.subordinate
        let plan = try bundle.compile(spec, as: Identities.root)
        #expect(plan.cloneFlags == CloneFlag.newUser | CloneFlag.newNS)
        #expect(plan.userNamespace?.uids == Self.subordinate && plan.userNamespace?.gids == Self.subordinate)
        #expect(plan.userNamespace?.method == .direct)
        #expect(plan.userNamespace?.setgroupsDenied == false)
        #expect(plan.process.keepGroups == false)
    }

    @Test("root-in-userns that may not setgroups passes deny down")
    func rootInUserNamespaceDenies() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = ["user", "mount"]
        spec.uidMappings = [IDMapping(containerID: 0, hostID: 0, size: 1)]
        spec.gidMappings = [IDMapping(containerID: 0, hostID: 0, size: 1)]
        let identity = Identity(kind: .rootInUserNamespace, uid: 0, gid: 0, sessionUID: 1000, rootless: true, canSetGroups: false)
        let plan = try bundle.compile(spec, as: identity)
        #expect(plan.userNamespace?.setgroupsDenied == true)
        #expect(plan.process.keepGroups == true)
    }

    @Test("joined namespaces are opened, not created")
    func joined() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = ["mount", #"{"type": "network", "path": "/proc/self/ns/net"}"#, #"{"type": "ipc", "path": ""}"#]
        let plan = try bundle.compile(spec, as: Identities.root)
        defer { plan.namespaceJoins.close() }
        #expect(plan.cloneFlags == CloneFlag.newNS | CloneFlag.newIPC)
        #expect(plan.namespaceJoins.entries.count == 1)
        #expect(plan.namespaceJoins.entries.first?.flag == CloneFlag.newNet)
        #expect(plan.namespaceJoins.entries.first?.path == "/proc/self/ns/net")
        #expect(plan.namespaceJoins.entries.first.map { $0.fd >= 0 } == true)
        // Entered by the init itself: no process is added.
        #expect(plan.namespaceJoins.beforeClone == false)
        #expect(plan.bringUpLoopback == false)
    }

    @Test("a joined pid namespace is entered before the clone; a joined mount namespace replaces the new one")
    func joinedPidAndMount() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = [#"{"type": "mount", "path": "/proc/self/ns/mnt"}"#, #"{"type": "pid", "path": "/proc/self/ns/pid"}"#, "uts"]
        let plan = try bundle.compile(spec, as: Identities.root)
        defer { plan.namespaceJoins.close() }
        #expect(plan.cloneFlags == CloneFlag.newUTS)
        #expect(plan.namespaceJoins.entries.map(\.kind) == [.mount, .pid])
        #expect(plan.namespaceJoins.beforeClone && plan.namespaceJoins.joinsMount)
    }

    @Test("joining our own user namespace joins nothing, and adds no user namespace")
    func joinedOwnUserNamespace() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = ["mount", #"{"type": "user", "path": "/proc/self/ns/user"}"#]
        let plan = try bundle.compile(spec, as: Identities.root)
        #expect(plan.namespaceJoins.isEmpty && !plan.namespaceJoins.beforeClone)
        #expect(plan.cloneFlags == CloneFlag.newNS)
        #expect(plan.userNamespace == nil)
    }

    @Test("a mount namespace is required", arguments: [
        [String](), ["pid", "uts"],
    ], [Identity.Kind.root, .unprivileged])
    func mountRequired(_ namespaces: [String], _ kind: Identity.Kind) throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = namespaces
        let error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.of(kind)) }
        #expect(error?.description == "linux.namespaces: a mount namespace is required (add {\"type\": \"mount\"})")
    }

    // MARK: user namespaces

    @Test("an unprivileged user gets its own user namespace mapping its ids to 0")
    func unprivilegedDefault() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = ["pid", "mount"]
        let plan = try bundle.compile(spec, as: Identities.unprivileged)
        #expect(plan.cloneFlags == CloneFlag.newPID | CloneFlag.newNS | CloneFlag.newUser)
        let single = [IDMapping(containerID: 0, hostID: 1000, size: 1)]
        #expect(plan.userNamespace?.uids == single && plan.userNamespace?.gids == single)
        #expect(plan.userNamespace?.method == .ownIDs)
        #expect(plan.userNamespace?.setgroupsDenied == true)
        #expect(plan.process.keepGroups == true)
    }

    @Test("an unprivileged user may spell out its own single mapping")
    func unprivilegedExplicitSingle() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = ["user", "mount"]
        spec.uidMappings = [IDMapping(containerID: 0, hostID: 1000, size: 1)]
        spec.gidMappings = [IDMapping(containerID: 0, hostID: 1000, size: 1)]
        let plan = try bundle.compile(spec, as: Identities.unprivileged)
        #expect(plan.userNamespace?.uids == spec.uidMappings)
        #expect(plan.userNamespace?.method == .ownIDs)
    }

    @Test("ranges beyond an unprivileged user's own id go to newuidmap/newgidmap", arguments: [
        [IDMapping(containerID: 0, hostID: 1000, size: 1), IDMapping(containerID: 1, hostID: 100_000, size: 65536)],
        [IDMapping(containerID: 0, hostID: 1000, size: 65536)],
        [IDMapping(containerID: 0, hostID: 1001, size: 1)],
    ])
    func unprivilegedRanges(_ uids: [IDMapping]) throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.uidMappings = uids
        // No helper on this PATH: the error proves the helpers were chosen, whatever this machine has.
        let identity = Identities.unprivileged(path: "/nonexistent-rsrun-bin")
        let error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: identity) }
        #expect(error?.description == "newuidmap: not found in PATH (/nonexistent-rsrun-bin); mapping subordinate ids needs it: "
            + "install the uidmap package (apt install uidmap; shadow-utils on Fedora), or map only your own id")
    }

    @Test("root asking for a user namespace must give mappings", arguments: [Identity.Kind.root, .rootInUserNamespace])
    func mappingsRequired(_ kind: Identity.Kind) throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = ["user", "mount"]
        var error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.of(kind)) }
        #expect(error?.description == "linux.uidMappings: required when a new user namespace is requested")
        spec.uidMappings = Self.subordinate
        error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.of(kind)) }
        #expect(error?.description == "linux.gidMappings: required when a new user namespace is requested")
    }

    // MARK: process

    @Test("process is required")
    func processRequired() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.includeProcess = false
        let error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "process: is required to create a container")
    }

    @Test("terminal and consoleSize become the plan's terminal", arguments: [Identity.Kind.root, .unprivileged])
    func terminal(_ kind: Identity.Kind) throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.terminal = true
        #expect(try bundle.compile(spec, as: Identities.of(kind)).process.terminal == TerminalPlan(size: nil))
        spec.processExtra = [#""consoleSize": {"height": 30, "width": 100}"#]
        #expect(try bundle.compile(spec, as: Identities.of(kind)).process.terminal?.size == .init(rows: 30, columns: 100))
    }

    @Test("the process user must be mapped in the user namespace")
    func unmappedUser() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = ["user", "mount"]
        spec.uidMappings = Self.subordinate
        spec.gidMappings = Self.subordinate

        spec.uid = 70000
        var error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "process.user.uid: 70000 is not mapped in the container's user namespace")

        spec.uid = 65535
        spec.gid = 65536
        error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "process.user.gid: 65536 is not mapped in the container's user namespace")

        spec.gid = 0
        spec.additionalGids = [1, 70000]
        error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "process.user.additionalGids[1]: 70000 is not mapped in the container's user namespace")

        spec.additionalGids = [1, 65535]
        let plan = try bundle.compile(spec, as: Identities.root)
        #expect(plan.process.uid == 65535)
        #expect(plan.process.additionalGids == [1, 65535])
    }

    @Test("an unprivileged user's own uid is not mapped inside: only 0 is")
    func unprivilegedOwnUID() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.uid = 1000
        spec.gid = 1000
        let error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.unprivileged) }
        #expect(error?.description == "process.user.uid: 1000 is not mapped in the container's user namespace")
    }

    @Test("root without a user namespace may run as any uid")
    func rootAnyUID() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.uid = 4_000_000_000
        spec.gid = 12345
        spec.additionalGids = [5, 7]
        let plan = try bundle.compile(spec, as: Identities.root)
        #expect(plan.process.uid == 4_000_000_000)
        #expect(plan.process.keepGroups == false)
    }

    @Test("supplementary groups need setgroups")
    func additionalGidsDenied() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.additionalGids = [0]
        let error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.unprivileged) }
        #expect(error?.description == "process.user.additionalGids: supplementary groups need setgroups, but the kernel denies setgroups "
            + "in a user namespace whose gid map an unprivileged user wrote itself; map a range from /etc/subgid in linux.gidMappings "
            + "as well (newgidmap writes it); or drop additionalGids")
    }

    @Test("PATH for the executable search: the last PATH= entry, else the default")
    func searchPath() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.env = ["PATH=/first", "HOME=/", "PATH=/second:/third"]
        #expect(try bundle.compile(spec, as: Identities.root).process.searchPath == "/second:/third")
        spec.env = ["HOME=/"]
        #expect(try bundle.compile(spec, as: Identities.root).process.searchPath
            == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    }

    @Test("compiler settings pass through")
    func passThrough() throws {
        let bundle = try TestBundle()
        let plan = try bundle.compile(bundle.spec(), as: Identities.root) {
            $0.noPivot = true
            $0.preserveFDs = 3
        }
        #expect(plan.noPivot)
        #expect(plan.process.preserveFDs == 3)
        #expect(plan.process.args == ["sh"])
        #expect(plan.process.cwd == "/")
        #expect(plan.id == "c1")
        #expect(plan.bundle == bundle.path)
    }

    // MARK: hostname, time, personality, propagation, rootfs

    @Test("hostname and domainname need a UTS namespace", arguments: [true, false])
    func hostnameNeedsUTS(_ useHostname: Bool) throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        let field = useHostname ? "hostname" : "domainname"
        if useHostname { spec.hostname = "box" } else { spec.domainname = "example.org" }
        let error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "\(field): setting it needs a new UTS namespace (linux.namespaces: uts)")

        spec.namespaces = ["mount", "uts"]
        let plan = try bundle.compile(spec, as: Identities.root)
        #expect(useHostname ? plan.hostname == "box" : plan.domainname == "example.org")
    }

    @Test("hostname with a joined UTS namespace, and an empty hostname, are fine")
    func hostnameJoinedOrEmpty() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.hostname = "box"
        spec.namespaces = ["mount", #"{"type": "uts", "path": "/proc/self/ns/uts"}"#]
        #expect(try bundle.compile(spec, as: Identities.root).hostname == "box")

        spec.hostname = ""
        spec.namespaces = ["mount"]
        #expect(try bundle.compile(spec, as: Identities.root).hostname == nil)
    }

    @Test("timeOffsets become timens_offsets text")
    func timeOffsets() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = ["mount", "time"]
        spec.linuxExtra = [#""timeOffsets": {"monotonic": {"secs": 5}, "boottime": {"secs": -3, "nanosecs": 100}}"#]
        let plan = try bundle.compile(spec, as: Identities.root)
        #expect(plan.timeOffsets == "monotonic 5 0\nboottime -3 100\n")
        #expect(plan.newTimeNamespace)
        #expect(plan.cloneFlags & CloneFlag.newTime == 0)

        spec.linuxExtra = [#""timeOffsets": {"boottime": {"secs": 86400, "nanosecs": 999999999}}"#]
        #expect(try bundle.compile(spec, as: Identities.root).timeOffsets == "boottime 86400 999999999\n")

        spec.linuxExtra = [#""timeOffsets": {}"#]
        #expect(try bundle.compile(spec, as: Identities.root).timeOffsets == nil)
    }

    @Test("timeOffsets without a time namespace")
    func timeOffsetsNeedNamespace() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.linuxExtra = [#""timeOffsets": {"monotonic": {"secs": 1}}"#]
        let error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "linux.timeOffsets: needs a new time namespace (linux.namespaces: time)")
    }

    @Test("personality domains", arguments: [("LINUX32", UInt(0x0008)), ("LINUX", UInt(0))] as [(String, UInt)])
    func personality(_ domain: String, _ value: UInt) throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        #expect(try bundle.compile(spec, as: Identities.root).personality == nil)
        spec.linuxExtra = ["\"personality\": {\"domain\": \"\(domain)\"}"]
        #expect(try bundle.compile(spec, as: Identities.root).personality == value)
    }

    @Test("root propagation: rprivate unless configured")
    func rootPropagation() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        #expect(try bundle.compile(spec, as: Identities.root).rootPropagation == MountFlag.private | MountFlag.rec)
        spec.linuxExtra = [#""rootfsPropagation": "rslave""#]
        #expect(try bundle.compile(spec, as: Identities.root).rootPropagation == MountFlag.slave | MountFlag.rec)
    }

    @Test("root.path: absolute, relative to the bundle, or an error")
    func rootfsPath() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        #expect(try bundle.compile(spec, as: Identities.root).rootfs == bundle.rootfs)

        spec.rootPath = "rootfs"
        #expect(try bundle.compile(spec, as: Identities.root).rootfs == bundle.path + "/rootfs")

        spec.rootPath = "missing"
        var error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "root.path: \(bundle.path)/missing is not a directory")

        bundle.dir.makeFile("plainfile")
        spec.rootPath = bundle.dir.sub("plainfile")
        error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "root.path: \(bundle.path)/plainfile is not a directory")
    }

    @Test("sysctl entries are sorted by key; masked and read-only paths pass through")
    func sysctlAndPaths() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = ["mount", "ipc", "network"]
        spec.linuxExtra = [
            #""sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "65536", "fs.mqueue.queues_max": "8"}"#,
            #""maskedPaths": ["/proc/kcore", "/sys/firmware"]"#,
            #""readonlyPaths": ["/proc/sys"]"#,
        ]
        let plan = try bundle.compile(spec, as: Identities.root)
        #expect(plan.sysctl.map(\.key) == ["fs.mqueue.queues_max", "kernel.shmmax", "net.ipv4.ip_forward"])
        #expect(plan.sysctl.map(\.value) == ["8", "65536", "1"])
        #expect(plan.maskedPaths == ["/proc/kcore", "/sys/firmware"])
        #expect(plan.readonlyPaths == ["/proc/sys"])
    }

    @Test("sysctls: only namespaced keys, only with their namespace; kernel.hostname/domainname become sethostname/setdomainname")
    func sysctlPolicy() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.namespaces = ["mount", "uts"]
        spec.linuxExtra = [#""sysctl": {"kernel.domainname": "example.test", "kernel/hostname": "h1"}"#]
        let plan = try bundle.compile(spec, as: Identities.root)
        #expect(plan.sysctl.isEmpty && plan.domainname == "example.test" && plan.hostname == "h1")
        for (sysctl, message) in [
            (#"{"vm.swappiness": "1"}"#, "linux.sysctl.vm.swappiness: is not a namespaced sysctl"),
            (#"{"net.ipv4.ip_forward": "1"}"#, "linux.sysctl.net.ipv4.ip_forward: needs a network namespace"),
            (#"{"kernel.sem": "1 2 3 4"}"#, "linux.sysctl.kernel.sem: needs a ipc namespace"),
        ] {
            spec.linuxExtra = ["\"sysctl\": \(sysctl)"]
            let error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
            #expect(error?.description.hasPrefix(message) == true, "\(error?.description ?? "")")
        }
    }

    // MARK: mounts

    @Test("devpts gid=5 is dropped when gid 5 is not mapped")
    func devptsUnprivileged() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.mounts = [Self.devpts]
        let step = try #require(try bundle.compile(spec, as: Identities.unprivileged).mounts.first)
        #expect(step.kind == .devpts)
        #expect(step.data == "newinstance,ptmxmode=0666,mode=0620")
        #expect(step.flags == MountFlag.nosuid | MountFlag.noexec)
    }

    @Test("devpts gid=5 is kept for root, with or without a wide user namespace")
    func devptsRoot() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.mounts = [Self.devpts]
        #expect(try bundle.compile(spec, as: Identities.root).mounts.first?.data == "newinstance,ptmxmode=0666,mode=0620,gid=5")
        spec.namespaces = ["user", "mount"]
        spec.uidMappings = Self.subordinate
        spec.gidMappings = Self.subordinate
        #expect(try bundle.compile(spec, as: Identities.root).mounts.first?.data == "newinstance,ptmxmode=0666,mode=0620,gid=5")
    }

    @Test("devpts uid= options follow the uid map")
    func devptsUID() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.mounts = [#"{"destination": "/dev/pts", "type": "devpts", "options": ["uid=0", "uid=5", "gid=0", "gid=x"]}"#]
        let step = try #require(try bundle.compile(spec, as: Identities.unprivileged).mounts.first)
        #expect(step.data == "uid=0,gid=0,gid=x")
        #expect(step.source == "devpts")
    }

    @Test("sysfs falls back to binding the host's /sys only when rootless without a network namespace", arguments: [
        (Identity.Kind.root, false, false), (.root, true, false),
        (.unprivileged, false, true), (.unprivileged, true, false),
        (.rootInUserNamespace, false, true), (.rootInUserNamespace, true, false),
    ])
    func sysfsFallback(_ kind: Identity.Kind, _ network: Bool, _ fallback: Bool) throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.mounts = [Self.sysfs]
        spec.namespaces = network ? ["mount", "network"] : ["mount"]
        if kind == .rootInUserNamespace {
            // A user namespace of its own keeps the test independent of the maps rsrun runs under.
            spec.namespaces.append("user")
            spec.uidMappings = [IDMapping(containerID: 0, hostID: 0, size: 1)]
            spec.gidMappings = [IDMapping(containerID: 0, hostID: 0, size: 1)]
        }
        let step = try #require(try bundle.compile(spec, as: Identities.of(kind)).mounts.first)
        #expect(step.kind == .sysfs)
        #expect(step.fallbackToHostBind == fallback)
        #expect(step.flags == MountFlag.nosuid | MountFlag.noexec | MountFlag.nodev | MountFlag.rdonly)
    }

    @Test("bind sources: relative to the bundle, absolute as given")
    func bindSources() throws {
        let bundle = try TestBundle()
        bundle.dir.makeDir("data")
        let absolute = bundle.dir.makeFile("file.txt", "x")
        var spec = bundle.spec()
        spec.mounts = [
            #"{"destination": "/data", "type": "bind", "source": "data", "options": ["rbind", "ro"]}"#,
            #"{"destination": "/etc/file.txt", "type": "none", "source": "\#(absolute)", "options": ["bind"]}"#,
            #"{"destination": "/x", "source": "data", "options": ["rbind", "rprivate"]}"#,
        ]
        let mounts = try bundle.compile(spec, as: Identities.root).mounts
        #expect(mounts.map(\.kind) == [.bind, .bind, .bind])
        #expect(mounts.map(\.source) == [bundle.path + "/data", absolute, bundle.path + "/data"])
        #expect(mounts.map(\.specPath) == ["mounts[0]", "mounts[1]", "mounts[2]"])
        #expect(mounts[0].flags == MountFlag.bind | MountFlag.rec | MountFlag.rdonly)
        #expect(mounts[0].fsType == "bind")
        #expect(mounts[1].flags == MountFlag.bind)
        #expect(mounts[2].fsType == "")
        #expect(mounts[2].propagation == [MountFlag.private | MountFlag.rec])
    }

    @Test("a missing bind source names mounts[N].source")
    func bindMissing() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.mounts = [
            #"{"destination": "/proc", "type": "proc", "source": "proc"}"#,
            #"{"destination": "/data", "type": "bind", "source": "missing", "options": ["rbind"]}"#,
        ]
        var error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "mounts[1].source: \(bundle.path)/missing does not exist")

        spec.mounts = [#"{"destination": "/data", "type": "bind", "options": ["rbind"]}"#]
        error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "mounts[0].source: is required for a bind mount")
    }

    @Test("mount destination must be absolute; type is needed unless bind")
    func mountShape() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.mounts = [#"{"destination": "proc", "type": "proc"}"#]
        var error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "mounts[0].destination: must be an absolute path, got \"proc\"")

        spec.mounts = [#"{"destination": "/tmp", "source": "tmpfs", "options": ["nosuid"]}"#]
        error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "mounts[0].type: is required unless options has bind or rbind")
    }

    @Test("mount kinds and default sources")
    func mountKinds() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.mounts = [
            #"{"destination": "/proc", "type": "proc"}"#,
            #"{"destination": "/sys/fs/cgroup", "type": "cgroup2", "source": "cgroup"}"#,
            #"{"destination": "/sys/fs/cgroup/x", "type": "cgroup"}"#,
            #"{"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["mode=1777", "tmpcopyup", "size=65536k"]}"#,
        ]
        let mounts = try bundle.compile(spec, as: Identities.root).mounts
        #expect(mounts.map(\.kind) == [.proc, .cgroup, .cgroup, .other])
        #expect(mounts.map(\.source) == ["proc", "cgroup", "cgroup", "shm"])
        #expect(mounts[3].data == "mode=1777,size=65536k")
        #expect(mounts[3].fsType == "tmpfs")
        #expect(mounts.allSatisfy { !$0.fallbackToHostBind })
    }

    // MARK: devices

    static let defaultDevicePaths = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"]
    static let charDevice: UInt32 = 0o020000
    static let blockDevice: UInt32 = 0o060000
    static let fifo: UInt32 = 0o010000

    @Test("default devices; mknod only for root without a user namespace", arguments: [
        (Identity.Kind.root, false, true), (.root, true, false),
        (.unprivileged, false, false), (.rootInUserNamespace, true, false),
    ])
    func defaultDevices(_ kind: Identity.Kind, _ userns: Bool, _ mknod: Bool) throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        if userns {
            spec.namespaces.append("user")
            spec.uidMappings = Self.subordinate
            spec.gidMappings = Self.subordinate
        }
        let devices = try bundle.compile(spec, as: Identities.of(kind)).devices
        #expect(devices.useMknod == mknod)
        #expect(devices.populate)
        #expect(devices.nodes.map(\.path) == Self.defaultDevicePaths)
        #expect(devices.nodes.allSatisfy { $0.type == Self.charDevice && $0.mode == 0o666 && $0.uid == 0 && $0.gid == 0 })
        #expect(devices.nodes.map(\.major) == [1, 1, 1, 1, 1, 5])
        #expect(devices.nodes.map(\.minor) == [3, 5, 7, 8, 9, 0])
    }

    @Test("a linux.devices entry overrides a default and new ones are appended")
    func deviceOverride() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.linuxExtra = [#"""
        "devices": [
          {"type": "c", "path": "/dev/null", "major": 1, "minor": 3, "fileMode": 8630, "uid": 7, "gid": 8},
          {"type": "b", "path": "/dev/rsrun-test-loop", "major": 7, "minor": 0},
          {"type": "p", "path": "/dev/rsrun-test-fifo", "fileMode": 384},
          {"type": "u", "path": "/dev/rsrun-test-u", "major": 10, "minor": 200}
        ]
        """#]
        let nodes = try bundle.compile(spec, as: Identities.root).devices.nodes
        #expect(nodes.map(\.path) == ["/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
                                      "/dev/null", "/dev/rsrun-test-loop", "/dev/rsrun-test-fifo", "/dev/rsrun-test-u"])
        #expect(nodes[5] == DevicePlan.Node(path: "/dev/null", type: Self.charDevice, major: 1, minor: 3, mode: 0o666, uid: 7, gid: 8, specPath: "linux.devices[0]"))
        #expect(nodes[6] == DevicePlan.Node(path: "/dev/rsrun-test-loop", type: Self.blockDevice, major: 7, minor: 0, mode: 0o666, uid: 0, gid: 0, specPath: "linux.devices[1]"))
        #expect(nodes[7] == DevicePlan.Node(path: "/dev/rsrun-test-fifo", type: Self.fifo, major: 0, minor: 0, mode: 0o600, uid: 0, gid: 0, specPath: "linux.devices[2]"))
        #expect(nodes[8].type == Self.charDevice)
    }

    @Test("devices must be under /dev")
    func deviceOutsideDev() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.linuxExtra = [#""devices": [{"type": "c", "path": "/tmp/null", "major": 1, "minor": 3}]"#]
        let error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.root) }
        #expect(error?.description == "linux.devices[0].path: must be under /dev, got \"/tmp/null\"")
    }

    @Test("rootless devices are bound from the host, so they must exist there")
    func rootlessDeviceMissing() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.linuxExtra = [#""devices": [{"type": "c", "path": "/dev/null", "major": 1, "minor": 3}, {"type": "c", "path": "/dev/rsrun-no-such-device", "major": 1, "minor": 3}]"#]
        let error = #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: Identities.unprivileged) }
        #expect(error?.description
            == "linux.devices[1].path: /dev/rsrun-no-such-device does not exist on the host to bind into a rootless container")
        // Root creates nodes, so the host need not have it.
        #expect(try bundle.compile(spec, as: Identities.root).devices.nodes.last?.path == "/dev/rsrun-no-such-device")
    }

    @Test("binding /dev leaves it unpopulated")
    func devBound() throws {
        let bundle = try TestBundle()
        bundle.dir.makeDir("devdir")
        var spec = bundle.spec()
        spec.mounts = [#"{"destination": "/dev/", "type": "bind", "source": "devdir", "options": ["rbind"]}"#]
        #expect(try bundle.compile(spec, as: Identities.root).devices.populate == false)
        spec.mounts = [#"{"destination": "/dev", "type": "tmpfs", "source": "tmpfs"}"#]
        #expect(try bundle.compile(spec, as: Identities.root).devices.populate == true)
    }
}
