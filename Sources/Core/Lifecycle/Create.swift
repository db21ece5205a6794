import CShim
import Glibc
import Rootless

public struct CreateOptions {
    public var bundle: String
    public var pidFile: String?
    public var consoleSocket: String?
    public var noPivot = false
    public var noNewKeyring = false
    public var preserveFDs = 0
    /// Socket activation: fds 3... that systemd passed us (LISTEN_FDS, LISTEN_PID = our pid)
    /// go to the container before the preserved ones, with LISTEN_* rewritten for it.
    public var listenFDs = 0
    /// A foreground `run`: with `process.terminal` and no console socket, rsrun relays the pty.
    public var relayTerminal = false

    public init(bundle: String) { self.bundle = bundle }
}

/// A container whose init waits on the exec fifo. `run` keeps it to start and wait for it.
public struct CreatedContainer {
    public var record: ContainerRecord
    public var spawned: InitSpawner.Spawned
    public var fifo: Int32
    public var lock: ContainerLock
    /// Fields of this config that are parsed but not applied yet (see Unapplied).
    public var unapplied: [String]
    /// How the new user namespace's maps were written, for --debug; nil without one.
    public var idMapping: IDMapPlan?
    /// What the plan left out of the config and why (ContainerPlan.notes).
    public var notes: [String] = []
    /// The pty master to relay (`run` with a terminal and no console socket), else -1.
    public var console: Int32 = -1
    /// The init reports on the start result fifo (startContainer or poststart hooks).
    public var hasStartHooks = false
    /// For stderr, once: why the container runs without a cgroup.
    public var warnings: [String] = []
}

extension Runtime {
    /// Only maps that need the setuid helpers are worth a pool: the others cost microseconds.
    func userNamespacePool(for plan: ContainerPlan) -> UserNamespacePool? {
        // A joined namespace is entered before the init's user namespace is made (NamespaceJoin),
        // which a namespace already joined by rsrun would prevent.
        guard let userns = plan.userNamespace, case .helpers = userns.method, plan.namespaceJoins.isEmpty else { return nil }
        return UserNamespacePool(stateRoot: store.root, environment: identity.environment)
    }
}

extension Runtime {
    /// Parse, validate and compile before touching anything: bad input leaves nothing behind.
    /// Once the state directory exists, any failure removes it and kills the init.
    public func create(_ id: String, _ options: CreateOptions) throws -> CreatedContainer {
        try ContainerID.validate(id)
        let bundle = StateRoot.absolute(options.bundle)
        guard FileIO.isDirectory(bundle) else { throw RuntimeError(path: "bundle", "\(bundle) is not a directory") }
        let configPath = bundle + "/config.json"
        guard let bytes = FileIO.read(configPath) else {
            throw RuntimeError(step: "read", path: configPath, "", errno: cshim_errno())
        }
        let spec = try Spec.parse(bytes)
        trace.step("create \(id): read \(configPath) (\(bytes.count) bytes), spec \(spec.ociVersion)")
        var compiler = PlanCompiler(identity: identity, bundle: bundle, id: id)
        compiler.noPivot = options.noPivot
        compiler.preserveFDs = options.preserveFDs
        compiler.listenFDs = options.listenFDs
        compiler.seccompCacheRoot = store.root
        var plan = try compiler.compile(spec)
        trace.step("plan: clone flags 0x\(String(plan.cloneFlags, radix: 16)), \(plan.mounts.count) mounts, "
                   + "user namespace \(plan.userNamespace.map { "mapped by \($0.methodName)" } ?? "none"), "
                   + "seccomp \(plan.seccomp.map { $0.compiledNow ? "compiled" : "from the cache" } ?? "none")")
        // The init has its own copies once it is cloned.
        let joins = plan.namespaceJoins
        defer { joins.close() }
        try Runtime.checkTerminal(plan.process.terminal != nil, socket: options.consoleSocket, relay: options.relayTerminal)
        let cgroupRequest = try cgroupRequest(spec, id: id)
        plan.notes += cgroupRequest.writes.notes
        let cgroups = try CgroupManagers.choose(identity: identity, systemd: systemdCgroup, hierarchy: CgroupHierarchy.detect(), request: cgroupRequest)
        trace.step("cgroup driver: \(type(of: cgroups))")

        let created = Clock.rfc3339()
        var cgroup: CgroupLocation?
        func makeRecord(_ pid: Int32, _ startTime: UInt64) -> ContainerRecord {
            ContainerRecord(
                id: id, pid: pid, startTime: startTime, bundle: bundle, rootfs: plan.rootfs,
                created: created, ociVersion: spec.ociVersion,
                annotations: spec.annotations.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                ownerUID: identity.uid, rootless: identity.rootless, cgroup: cgroup)
        }

        // Only hooks the init runs need a state of their own (its pid filled in there).
        if !plan.hooks.createContainer.isEmpty || !plan.hooks.startContainer.isEmpty { plan.hookState = makeRecord(0, 0) }
        let lock = try store.createContainerDirectory(id)
        trace.step("state directory \(store.directory(id)) made and locked")
        var fifo: Int32 = -1
        var startResult: Int32 = -1
        defer { if startResult >= 0 { close(startResult) } }
        var console: Int32 = -1
        var spawned: InitSpawner.Spawned?
        var placement: CgroupPlacement?
        do {
            // After the state directory: the id is ours, so is the cgroup named after it.
            let placed = try cgroups.prepare(cgroupRequest)
            placement = placed
            trace.step("cgroup prepared: \(placed.location.map { $0.path } ?? "none")\(placed.directoryFD >= 0 ? " (clone3 into it)" : "")")
            defer { if placed.directoryFD >= 0 { close(placed.directoryFD) } }
            plan.cgroupDirectory = placed.location?.path
            if placed.placedAfterClone && plan.cloneFlags & CSHIM_CLONE_NEWCGROUP != 0 {
                plan.cloneFlags &= ~CSHIM_CLONE_NEWCGROUP
                plan.cgroupNamespaceAfterPlacement = true
            }
            let fifoPath = store.fifoPath(id)
            if mkfifo(fifoPath, 0o600) != 0 { throw RuntimeError.system("mkfifo", path: fifoPath) }
            // Opened read-write here, before clone3, so the init inherits it whatever its ids become.
            fifo = open(fifoPath, O_RDWR | O_CLOEXEC)
            if fifo < 0 { throw RuntimeError.system("open", path: fifoPath) }
            if plan.hasStartHooks {
                let path = store.startResultPath(id)
                if mkfifo(path, 0o600) != 0 { throw RuntimeError.system("mkfifo", path: path) }
                startResult = open(path, O_RDWR | O_CLOEXEC)
                if startResult < 0 { throw RuntimeError.system("open", path: path) }
            }
            if !plan.hooks.poststop.isEmpty {
                try FileIO.writeAtomically(store.poststopMarkerPath(id), [])
            }
            // A user namespace the pool made ahead with these maps saves running newuidmap and
            // newgidmap now; its holder is let go once we are done, however that ends.
            let pool = userNamespacePool(for: plan)
            let holder = plan.userNamespace.flatMap { userns in pool?.claim(userns) }
            defer { if let pool, let holder { pool.release(holder: holder) } }
            let child = try InitSpawner.spawn(plan, fifo: fifo, startResult: startResult, pooledFrom: holder, cgroup: placed.directoryFD, onPlace: { pid in
                cgroup = try cgroups.attach(placed, pid: pid, request: cgroupRequest)
            }, onSeccompListener: { pid, listener in
                guard let seccomp = plan.seccomp, let path = seccomp.listenerPath else { return }
                let record = makeRecord(pid, ProcessProbe.read(pid: pid)?.startTime ?? 0)
                try SeccompListener.hand(listener, to: path, pid: pid, ociVersion: spec.ociVersion,
                                         metadata: seccomp.listenerMetadata, state: record.ociState(status: .creating))
            }, onRuntimeHooks: { pid in
                // In our namespaces, the init's pid as we see it, before its pivot_root.
                let state = makeRecord(pid, 0).ociState(status: .creating)
                try HookRunner.run(plan.hooks.prestart, stage: "prestart", state: state)
                try HookRunner.run(plan.hooks.createRuntime, stage: "createRuntime", state: state)
            }, onConsole: { master in
                console = try UnixSocket.handOver(master, to: options.consoleSocket)
            })
            spawned = child
            trace.step("init cloned: pid \(child.pid)\(child.pooledFrom.map { ", user namespace from the pool (holder \($0))" } ?? ""); it waits for start")
            // Once the init has made its device nodes (a rule denying mknod of one must not
            // break its own /dev), and before start, when the container's process runs.
            if let rules = cgroupRequest.devices, let cgroup {
                try DeviceProgram.install(rules: rules, cgroupDirectory: cgroup.path)
            }
            guard let probe = ProcessProbe.read(pid: child.pid) else {
                throw RuntimeError("container init exited during set-up")
            }
            let record = makeRecord(child.pid, probe.startTime)
            try store.save(record)
            trace.step("state saved")
            if let pidFile = options.pidFile {
                try FileIO.writeAtomically(StateRoot.absolute(pidFile), Array("\(child.pid)".utf8), mode: 0o644)
            }
            if let seccomp = plan.seccomp, seccomp.compiledNow {
                SeccompCache(stateRoot: store.root).store(seccomp.cacheKey, program: seccomp.program, notes: seccomp.notes)
            }
            // Last, so that the fork costs this create nothing on its way to the container.
            if let pool, let userns = plan.userNamespace, case .helpers(let helpers) = userns.method, child.pooledFrom == nil {
                pool.start(userns, helpers: helpers)
            }
            return CreatedContainer(record: record, spawned: child, fifo: fifo, lock: lock, unapplied: Unapplied.fields(in: spec),
                                    idMapping: plan.userNamespace, notes: plan.notes, console: console, hasStartHooks: plan.hasStartHooks,
                                    warnings: placed.warning.map { [$0] } ?? [])
        } catch {
            if let spawned {
                spawned.kill(SIGKILL)
                spawned.reap()
            }
            if let placement { cgroups.abandon(placement) }
            if fifo >= 0 { close(fifo) }
            if console >= 0 { close(console) }
            try? store.remove(id)
            throw error
        }
    }
}

extension Runtime {
    /// The cgroup part of the spec, compiled and checked before anything is made. Device rules
    /// are enforced only with host privileges: loading the eBPF program needs CAP_SYS_ADMIN, and
    /// rootless containers cannot make device nodes anyway.
    func cgroupRequest(_ spec: Spec, id: String) throws -> CgroupRequest {
        let resources = spec.linux?.resources ?? Spec.Resources()
        var writes = try CgroupResourcePlan.compile(resources)
        if !identity.holdsHostCapabilities && !resources.devices.isEmpty {
            writes.notes.append("linux.resources.devices: not enforced without host privileges; the container reaches only the device nodes bound into it")
        }
        return CgroupRequest(id: id, path: spec.linux?.cgroupsPath, resources: resources, writes: writes,
                             devices: identity.holdsHostCapabilities ? resources.devices : nil)
    }

    /// A terminal needs somewhere to go: a console socket, or rsrun itself in the foreground.
    static func checkTerminal(_ terminal: Bool, socket: String?, relay: Bool) throws {
        if terminal && socket == nil && !relay {
            throw RuntimeError(path: "process.terminal", "a terminal needs --console-socket when rsrun does not stay in the foreground")
        }
        if !terminal && socket != nil {
            throw RuntimeError(path: "--console-socket", "only valid when process.terminal is true")
        }
    }
}
