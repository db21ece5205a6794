import CShim
import Glibc
import Rootless

/// Turns a validated Spec into the ContainerPlan the child executes. Every decision that
/// depends on who we are (Identity) is taken here, once, with errors that name the field.
public struct PlanCompiler {
    public var identity: Identity
    public var bundle: String
    public var id: String
    public var noPivot = false
    public var preserveFDs = 0
    public var listenFDs = 0
    /// The state root whose @seccomp cache holds compiled filters (nil: always compile).
    public var seccompCacheRoot: String?

    public init(identity: Identity, bundle: String, id: String) {
        self.identity = identity
        self.bundle = bundle
        self.id = id
    }

    static let namespaceFlags: [NamespaceKind: UInt64] = [
        .pid: CSHIM_CLONE_NEWPID, .network: CSHIM_CLONE_NEWNET, .mount: CSHIM_CLONE_NEWNS,
        .ipc: CSHIM_CLONE_NEWIPC, .uts: CSHIM_CLONE_NEWUTS, .user: CSHIM_CLONE_NEWUSER,
        .cgroup: CSHIM_CLONE_NEWCGROUP, .time: CSHIM_CLONE_NEWTIME,
    ]

    public func compile(_ spec: Spec) throws -> ContainerPlan {
        let linux = spec.linux ?? Spec.Linux()
        let layout = try NamespaceLayout.split(linux, needsOwnUserNamespace: identity.needsOwnUserNamespace)
        // Opened before anything is made: a missing path or a wrong type leaves nothing behind.
        let joins = try NamespaceJoins.open(layout.joined, createsUser: layout.created.contains(.user),
                                             unprivileged: identity.needsOwnUserNamespace)
        do {
            return try compile(spec, layout: layout, joins: joins)
        } catch {
            joins.close()
            throw error
        }
    }

    func compile(_ spec: Spec, layout: NamespaceLayout, joins: NamespaceJoins) throws -> ContainerPlan {
        guard let process = spec.process else { throw RuntimeError(path: "process", "is required to create a container") }
        let linux = spec.linux ?? Spec.Linux()
        let rootfs = try resolveRootfs(spec.root.path)

        let created = layout.created
        let joinedKinds = Set(layout.joined.map(\.kind))
        var cloneFlags: UInt64 = 0
        for kind in created where kind != .time { cloneFlags |= PlanCompiler.namespaceFlags[kind]! }

        let userns = created.contains(.user) ? try userNamespace(linux) : nil
        // The ids the container can use: its own maps, those of the user namespace it joins
        // (nil when they cannot be known), or those of the namespace rsrun runs in (nil: all).
        let joinedUser = joins.entries.first { $0.kind == .user }
        let joinedMaps = joinedUser.flatMap(JoinedUserNamespace.inspect)
        let newMaps = userns.map { IDMaps(uids: $0.uids, gids: $0.gids) }
        let visible = newMaps ?? (joinedUser != nil ? joinedMaps?.maps : identity.ownMappings)
        let groups = userns.map { GroupPolicy(denied: $0.setgroupsDenied, advice: $0.setgroupsAdvice) }
            ?? joinedUser.map { GroupPolicy(denied: joinedMaps?.setgroupsDenied ?? false, advice: "the user namespace joined at \($0.field) denies it") }
            ?? GroupPolicy(denied: !identity.canSetGroups, advice: Identity.inheritedSetgroupsAdvice)
        let confined = try compileConfined(process, seccomp: linux.seccomp, mountLabel: linux.mountLabel, groups: groups, visible: visible)
        let (processPlan, lsm, seccomp) = (confined.process, confined.lsm, confined.seccomp)

        for (field, value) in [("hostname", spec.hostname), ("domainname", spec.domainname)] {
            if let value, !value.isEmpty, !created.contains(.uts) && !joinedKinds.contains(.uts) {
                throw RuntimeError(path: field, "setting it needs a new UTS namespace (linux.namespaces: uts)")
            }
        }
        let sysctl = try SysctlPolicy.check(linux.sysctl, namespaces: created.union(joinedKinds),
                                            hostname: spec.hostname, domainname: spec.domainname)
        // A bare `idmap` takes the container's maps: those of its new user namespace, or of the
        // one it joins when they can be read (runc uses the joined namespace itself).
        let containerMaps = newMaps ?? joinedMaps?.maps
        var mounts = try spec.mounts.enumerated().map {
            try compileMount($1, index: $0, visible: visible, container: containerMaps, newNet: created.contains(.network))
        }
        if (userns != nil || joinedUser != nil) && !created.contains(.network) {
            // A network namespace the container's user namespace does not own (the host's, or
            // one joined) refuses it sysfs, root or not: the host's /sys is bound instead.
            for i in mounts.indices where mounts[i].kind == .sysfs { mounts[i].fallbackToHostBind = true }
        }
        if let label = lsm.mountLabel {
            for i in mounts.indices where LSMPlan.mountLabelTypes.contains(mounts[i].fsType) && !mounts[i].data.split(separator: ",").contains(where: { $0.hasPrefix("context=") }) {
                mounts[i].data += (mounts[i].data.isEmpty ? "" : ",") + "context=\"\(label)\""
            }
        }
        let devBound = mounts.contains { $0.kind == .bind && $0.destination.trimmingSlashes() == "/dev" }
        var plan = ContainerPlan(
            id: id, bundle: bundle, rootfs: rootfs, cloneFlags: cloneFlags, userNamespace: userns,
            namespaceJoins: joins,
            hostname: spec.hostname.flatMap { $0.isEmpty ? nil : $0 } ?? sysctl.hostname,
            domainname: spec.domainname.flatMap { $0.isEmpty ? nil : $0 } ?? sysctl.domainname,
            rootPropagation: try MountOptions.rootPropagation(linux.rootfsPropagation?.rawValue),
            mounts: mounts,
            devices: try devices(linux, populate: !devBound, mknod: identity.canCreateDevices && userns == nil && joinedUser == nil),
            maskedPaths: linux.maskedPaths, readonlyPaths: linux.readonlyPaths,
            readonlyRoot: spec.root.readonly, noPivot: noPivot,
            sysctl: sysctl.entries,
            personality: linux.personality.map { $0.domain == .linux32 ? 0x0008 : 0x0000 },
            timeOffsets: timeOffsetsText(linux.timeOffsets),
            newTimeNamespace: created.contains(.time),
            bringUpLoopback: created.contains(.network),
            process: processPlan, seccomp: seccomp, lsm: lsm, notes: confined.notes, hooks: spec.hooks ?? Spec.Hooks())
        plan.nonDumpableInit = initHidesBinary
        return plan
    }

    /// A non-dumpable process's /proc files are open only to CAP_SYS_PTRACE where rsrun was
    /// started: root and root in a user namespace keep that, so `exec` into a created
    /// container still works for them. An unprivileged user would lose it (setns through a
    /// pidfd checks ptrace access), so their init hides only a binary the container could
    /// rewrite: one the user may write. A root-owned install is out of the container's reach.
    var initHidesBinary: Bool {
        identity.privileged || access("/proc/self/exe", W_OK) == 0
    }

    func resolveRootfs(_ path: String) throws -> String {
        let full = path.hasPrefix("/") ? path : bundle + "/" + path
        guard FileIO.isDirectory(full) else { throw RuntimeError(path: "root.path", "\(full) is not a directory") }
        return full
    }

    /// The container's maps and how they get written: Identity decides (Rootless).
    func userNamespace(_ linux: Spec.Linux) throws -> IDMapPlan {
        try identity.idMapPlan(uids: linux.uidMappings, gids: linux.gidMappings)
    }

    /// A process with its confinement: what `create`'s init and an exec'd process both run as.
    struct ConfinedProcess {
        var process: ProcessPlan
        var lsm: LSMPlan
        var seccomp: SeccompPlan?
        var notes: [String]
    }

    func compileConfined(_ process: Spec.Process, seccomp profile: Spec.Seccomp?, mountLabel: String?,
                         groups: GroupPolicy, visible: IDMaps?) throws -> ConfinedProcess {
        var (plan, notes) = try compileProcess(process, groups: groups, visible: visible)
        let (lsm, lsmNotes) = try LSMPlan.compile(process, mountLabel: mountLabel)
        notes += lsmNotes
        var seccomp: SeccompPlan?
        if let profile {
            let compiled = try SeccompCompiler.compile(profile, cache: seccompCacheRoot.map { SeccompCache(stateRoot: $0) })
            seccomp = compiled
            notes += compiled.notes
        }
        plan.throughTrampoline = ExecTrampoline.usable(lsm: lsm, seccomp: profile)
        return ConfinedProcess(process: plan, lsm: lsm, seccomp: seccomp, notes: notes)
    }

    /// Whether the container process may call setgroups(2), and what to change if it may not.
    struct GroupPolicy {
        var denied: Bool
        var advice: String
    }

    func compileProcess(_ process: Spec.Process, groups: GroupPolicy, visible: IDMaps?) throws -> (ProcessPlan, notes: [String]) {
        let user = process.user
        if let visible {
            if visible.uids.hostID(for: user.uid) == nil {
                throw RuntimeError(path: "process.user.uid", "\(user.uid) is not mapped in the container's user namespace")
            }
            if visible.gids.hostID(for: user.gid) == nil {
                throw RuntimeError(path: "process.user.gid", "\(user.gid) is not mapped in the container's user namespace")
            }
            for (i, gid) in user.additionalGids.enumerated() where visible.gids.hostID(for: gid) == nil {
                throw RuntimeError(path: "process.user.additionalGids[\(i)]", "\(gid) is not mapped in the container's user namespace")
            }
        }
        let keepGroups = groups.denied
        if keepGroups && !user.additionalGids.isEmpty {
            throw RuntimeError(path: "process.user.additionalGids", "supplementary groups need setgroups, but \(groups.advice); or drop additionalGids")
        }
        let pathEntry = process.env.last { $0.hasPrefix("PATH=") }
        var capabilities: CapabilityPlan?
        var notes: [String] = []
        if let caps = process.capabilities {
            (capabilities, notes) = try CapabilityPlan.compile(caps, lastCap: CapabilityPlan.kernelLastCap())
        }
        var env = process.env
        if listenFDs > 0 {
            env.removeAll { $0.hasPrefix("LISTEN_FDS=") || $0.hasPrefix("LISTEN_PID=") || $0.hasPrefix("LISTEN_FDNAMES=") }
            env.append("LISTEN_FDS=\(listenFDs)")
        }
        var plan = ProcessPlan(
            args: process.args, env: env, cwd: process.cwd, uid: user.uid, gid: user.gid,
            additionalGids: user.additionalGids, keepGroups: keepGroups,
            umask: user.umask, noNewPrivileges: process.noNewPrivileges,
            oomScoreAdj: try ProcessLimits.oomScoreAdj(process.oomScoreAdj, identity: identity),
            capabilities: capabilities,
            rlimits: try ProcessLimits.rlimits(process.rlimits, identity: identity),
            scheduler: try ProcessLimits.scheduler(process.scheduler, identity: identity),
            ioPriority: try ProcessLimits.ioPriority(process.ioPriority, identity: identity),
            preserveFDs: listenFDs + preserveFDs, socketActivation: listenFDs > 0,
            terminal: process.terminal ? TerminalPlan(size: process.consoleSize.map {
                TerminalPlan.Size(rows: UInt16(clamping: $0.height), columns: UInt16(clamping: $0.width))
            }) : nil,
            searchPath: pathEntry.map { String($0.dropFirst(5)) } ?? ExecutableLookup.defaultPath)
        plan.cpuAffinity = try CPUAffinityPlan.compile(process.execCPUAffinity, current: CPUAffinityPlan.current)
        return (plan, notes)
    }

    /// `container`: the maps of the user namespace the container gets, nil without one.
    func compileMount(_ mount: Spec.Mount, index: Int, visible: IDMaps?, container: IDMaps? = nil, newNet: Bool) throws -> MountStep {
        let path = "mounts[\(index)]"
        guard mount.destination.hasPrefix("/") else {
            throw RuntimeError(path: path + ".destination", "must be an absolute path, got \"\(mount.destination)\"")
        }
        var parsed = MountOptions.parse(mount.options)
        let isBind = mount.type == "bind" || parsed.flags & UInt(MS_BIND) != 0
        let kind: MountStep.Kind
        switch mount.type {
        case _ where isBind: kind = .bind
        case "proc": kind = .proc
        case "sysfs": kind = .sysfs
        case "cgroup", "cgroup2": kind = .cgroup
        case "devpts": kind = .devpts
        case nil: throw RuntimeError(path: path + ".type", "is required unless options has bind or rbind")
        default: kind = .other
        }
        let idmap = try MountIDMapping.compile(mount, path: path, isBind: kind == .bind, container: container, identity: identity)
        var source = mount.source ?? mount.type ?? "none"
        if kind == .bind {
            guard let given = mount.source, !given.isEmpty else { throw RuntimeError(path: path + ".source", "is required for a bind mount") }
            source = given.hasPrefix("/") ? given : bundle + "/" + given
            if !FileIO.exists(source) { throw RuntimeError(path: path + ".source", "\(source) does not exist") }
        }
        if kind == .devpts, let visible {
            // gid=5 (tty) is often not mapped in a rootless namespace; devpts then refuses to mount.
            parsed.data.removeAll { option in
                for (prefix, ranges) in [("gid=", visible.gids), ("uid=", visible.uids)] where option.hasPrefix(prefix) {
                    if let id = UInt32(option.dropFirst(prefix.count)), ranges.hostID(for: id) == nil { return true }
                }
                return false
            }
        }
        return MountStep(
            kind: kind, source: source, destination: mount.destination, fsType: mount.type ?? "",
            flags: parsed.flags, propagation: parsed.propagation, data: parsed.data.joined(separator: ","),
            recursiveAttributes: parsed.recursiveAttributes, copyUp: parsed.copyUp && mount.type == "tmpfs",
            specPath: path, fallbackToHostBind: kind == .sysfs && !newNet && identity.kind != .root, idmap: idmap)
    }

    static let defaultDevices: [(String, Int64, Int64)] = [
        ("/dev/null", 1, 3), ("/dev/zero", 1, 5), ("/dev/full", 1, 7),
        ("/dev/random", 1, 8), ("/dev/urandom", 1, 9), ("/dev/tty", 5, 0),
    ]

    func devices(_ linux: Spec.Linux, populate: Bool, mknod: Bool) throws -> DevicePlan {
        var nodes = PlanCompiler.defaultDevices.map {
            DevicePlan.Node(path: $0.0, type: UInt32(S_IFCHR), major: $0.1, minor: $0.2, mode: 0o666, uid: 0, gid: 0)
        }
        for (i, device) in linux.devices.enumerated() {
            let path = "linux.devices[\(i)]"
            let inDev = ContainerPath(device.path)
            guard device.path.hasPrefix("/dev/"), inDev.components.count > 1 else { throw RuntimeError(path: path + ".path", "must be under /dev, got \"\(device.path)\"") }
            // Resolved in the rootfs it would stay inside, but the host node bound for it would not be /dev's.
            if inDev.climbs { throw RuntimeError(path: path + ".path", "must not contain .. components, got \"\(device.path)\"") }
            let type: UInt32
            switch device.type {
            case .char, .unbuffered: type = UInt32(S_IFCHR)
            case .block: type = UInt32(S_IFBLK)
            case .fifo: type = UInt32(S_IFIFO)
            }
            if device.type != .fifo && (device.major == nil || device.minor == nil) {
                throw RuntimeError(path: path, "major and minor are required for a \(device.type.rawValue) device")
            }
            // A fifo needs no privilege: it is always made, never bound.
            if !mknod && device.type != .fifo && !FileIO.exists(device.path) {
                throw RuntimeError(path: path + ".path", "\(device.path) does not exist on the host to bind into a rootless container")
            }
            nodes.removeAll { $0.path == device.path }
            nodes.append(DevicePlan.Node(path: device.path, type: type, major: device.major ?? 0, minor: device.minor ?? 0,
                                         mode: (device.fileMode ?? 0o666) & 0o7777, uid: device.uid ?? 0, gid: device.gid ?? 0,
                                         specPath: path))
        }
        return DevicePlan(populate: populate, useMknod: mknod, nodes: nodes)
    }

    func timeOffsetsText(_ offsets: Spec.TimeOffsets?) -> String? {
        guard let offsets else { return nil }
        var text = ""
        if let m = offsets.monotonic { text += "monotonic \(m.secs) \(m.nanosecs)\n" }
        if let b = offsets.boottime { text += "boottime \(b.secs) \(b.nanosecs)\n" }
        return text.isEmpty ? nil : text
    }
}

extension String {
    func trimmingSlashes() -> String {
        var s = self
        while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
        return s
    }
}
