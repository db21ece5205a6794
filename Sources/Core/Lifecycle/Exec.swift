import CShim
import Glibc
import Rootless

extension Runtime {
    /// Runs another process in a created or running container. In the foreground it waits,
    /// passing signals on, and returns the exit code (128+N for signal N); detached, it
    /// returns 0 once the process has been started.
    public func exec(_ id: String, _ options: ExecOptions, onPlanned: (ExecPlan) -> Void = { _ in }) throws -> Int32 {
        let (record, status) = try inspect(id)
        guard let record, status == .created || status == .running else {
            throw RuntimeError("cannot exec in a container that is \(status.rawValue)" + (status == .paused ? "; resume it first" : ""))
        }
        let plan = try execPlan(record, options)
        trace.step("exec \(id): planned \(plan.process.args.first ?? "") in the namespaces of pid \(record.pid)")
        onPlanned(plan)
        try Runtime.checkTerminal(plan.process.terminal != nil, socket: options.consoleSocket, relay: !options.detach)
        guard let initPidfd = pidfd(for: record) else { throw RuntimeError("cannot exec in a container that is stopped") }
        var console: Int32 = -1
        defer { close(initPidfd) }
        // The process starts in the container's cgroup (CLONE_INTO_CGROUP), under its limits.
        var cgroupFD: Int32 = -1
        if let cgroup = record.cgroup {
            cgroupFD = open(cgroup.path, Int32(CSHIM_O_PATH) | O_DIRECTORY | O_CLOEXEC)
            if cgroupFD < 0 { throw RuntimeError.system("open the container's cgroup", path: cgroup.path) }
        }
        defer { if cgroupFD >= 0 { close(cgroupFD) } }

        let mask = ForegroundWait.blockForwardedSignals(!options.detach)
        let spawn = { (cgroup: Int32) throws -> InitSpawner.Spawned in
            try ExecSpawner.spawn(plan, initPid: record.pid, initPidfd: initPidfd, cgroup: cgroup) { pid, listener in
                guard let seccomp = plan.seccomp, let path = seccomp.listenerPath else { return }
                try SeccompListener.hand(listener, to: path, pid: pid, ociVersion: record.ociVersion,
                                         metadata: seccomp.listenerMetadata, state: record.ociState(status: status))
            } onConsole: { master in
                console = try UnixSocket.handOver(master, to: options.consoleSocket)
            }
        }
        let process: InitSpawner.Spawned
        do {
            process = try spawn(cgroupFD)
        } catch let error as RuntimeError where cgroupFD >= 0 && identity.rootless && (error.errno == EACCES || error.errno == EPERM) {
            // Moving a process between cgroups needs write access to their common ancestor: a
            // user's login session and the scope their systemd made meet only in root's
            // user-UID.slice. Rootless, the process then runs outside the cgroup, as with runc.
            process = try spawn(-1)
        }
        trace.step("process cloned: pid \(process.pid)\(cgroupFD >= 0 ? " in the container's cgroup" : "")")
        if let pidFile = options.pidFile {
            do {
                try FileIO.writeAtomically(StateRoot.absolute(pidFile), Array("\(process.pid)".utf8), mode: 0o644)
            } catch {
                process.kill(SIGKILL)
                process.reap()
                throw error
            }
        }
        if options.detach { return 0 }
        return Runtime.exitCode(ForegroundWait.run(process, master: console, mask: mask))
    }

    /// The process, its identity and confinement, from the container's config and the flags.
    func execPlan(_ record: ContainerRecord, _ options: ExecOptions) throws -> ExecPlan {
        let configPath = record.bundle + "/config.json"
        guard let bytes = FileIO.read(configPath) else {
            throw RuntimeError(step: "read", path: configPath, "", errno: cshim_errno())
        }
        let spec = try Spec.parse(bytes, source: configPath)
        var file: [UInt8]?
        if let path = options.processFile {
            guard let text = FileIO.read(StateRoot.absolute(path)) else {
                throw RuntimeError(step: "read", path: path, "", errno: cshim_errno())
            }
            file = text
        }
        let process = try ExecProcessBuilder.build(base: spec.process, file: file, options: options)

        let namespaces = try ContainerNamespaces.differing(pid: record.pid)
        let visible: IDMaps?
        let groups: PlanCompiler.GroupPolicy
        if namespaces & CSHIM_CLONE_NEWUSER != 0 {
            let base = "/proc/\(record.pid)/"
            guard let uids = IDMapping.read(mapFile: base + "uid_map"), let gids = IDMapping.read(mapFile: base + "gid_map") else {
                throw RuntimeError(step: "read", path: base + "uid_map", "", errno: cshim_errno())
            }
            visible = IDMaps(uids: uids, gids: gids)
            let denied = FileIO.readText(base + "setgroups")?.hasPrefix("deny") ?? false
            groups = .init(denied: denied, advice: "the container's user namespace denies it (its gid map was written without newgidmap)")
        } else {
            visible = identity.ownMappings
            groups = .init(denied: !identity.canSetGroups, advice: Identity.inheritedSetgroupsAdvice)
        }
        var compiler = PlanCompiler(identity: identity, bundle: record.bundle, id: record.id)
        compiler.preserveFDs = options.preserveFDs
        compiler.seccompCacheRoot = store.root
        var confined = try compiler.compileConfined(process, seccomp: spec.linux?.seccomp, mountLabel: nil, groups: groups, visible: visible)
        // As with runc, an exec'd process inherits its OOM score from the caller, not the config.
        confined.process.oomScoreAdj = nil
        return ExecPlan(namespaces: namespaces, process: confined.process, seccomp: confined.seccomp, lsm: confined.lsm, notes: confined.notes)
    }
}
