import CShim
import Glibc
import Rootless

/// The parent's side of `create`: one clone3 with every new namespace and CLONE_PIDFD, the id
/// maps written while the child waits on the sync channel, then the child's verdict.
public struct InitSpawner {
    public struct Spawned {
        public var pid: Int32
        public var pidfd: Int32
        /// The pool's holder whose user namespace the init was cloned into; nil when the maps
        /// were written for this container.
        public var pooledFrom: Int32?
    }

    /// `pooledFrom`: we already joined a user namespace with the plan's maps, held by this
    /// pool holder, so the init is cloned into it instead of into a new one.
    /// `onSeccompListener`: called with the init's pid and its seccomp notify fd (closed after).
    /// `startResult`: the write end the init reports startContainer hook failures on (-1: none).
    /// `onRuntimeHooks`: runs prestart and createRuntime, given the init's pid.
    /// `cgroup`: the cgroup directory fd to clone into (-1: none); `onPlace` runs while the init
    /// waits, before it goes on (moving it into a cgroup clone3 could not put it in).
    public static func spawn(_ plan: ContainerPlan, fifo: Int32, startResult: Int32 = -1, pooledFrom: Int32? = nil,
                             cgroup: Int32 = -1, onPlace: (Int32) throws -> Void = { _ in },
                             onSeccompListener: (Int32, Int32) throws -> Void = { _, _ in },
                             onRuntimeHooks: (Int32) throws -> Void = { _ in },
                             onConsole: (Int32) throws -> Void = { close($0) }) throws -> Spawned {
        // Idmapped mounts are made while we still hold our privileges over the host's file
        // systems; the init inherits them over clone3.
        var plan = plan
        let idmapped = try IDMappedMount.prepare(&plan)
        defer { idmapped.release() }
        let flags = pooledFrom == nil ? plan.cloneFlags : plan.cloneFlags & ~CSHIM_CLONE_NEWUSER
        let trampoline = plan.process.throughTrampoline ? ExecTrampoline.load() : -1
        defer { if trampoline >= 0 { close(trampoline) } }
        // Joining first: the clone3 that creates the namespaces is the intermediate's (NamespaceJoin);
        // the cgroup is still ours to clone into, and the init is born in it from there.
        let joins = plan.namespaceJoins
        let (pid, pidfd, channel) = try SyncChannel.clone(flags: joins.beforeClone ? 0 : flags, cgroup: cgroup, what: "create namespaces") { end in
            if joins.beforeClone { NamespaceJoin.enterThenClone(joins, flags: flags, channel: end) }
            ContainerInit(plan: plan, channel: end, fifo: fifo, startResult: startResult, trampoline: trampoline).run()
        }
        defer { close(channel) }
        var spawned = Spawned(pid: pid, pidfd: pidfd, pooledFrom: pooledFrom)
        do {
            if joins.beforeClone { spawned = try NamespaceJoin.awaitInit(channel, intermediate: spawned) }
            if let userns = plan.userNamespace, pooledFrom == nil {
                try IDMapWriter.write(pid: spawned.pid, userns)
            }
            // From here: the child may lose the right to raise its own score once it is a
            // non-root user, and a refusal is reported before it has done anything.
            if let adj = plan.process.oomScoreAdj, !FileIO.writeKnob("/proc/\(spawned.pid)/oom_score_adj", "\(adj)") {
                throw RuntimeError(path: "process.oomScoreAdj", "write /proc/\(spawned.pid)/oom_score_adj", errno: cshim_errno())
            }
            try onPlace(spawned.pid)
            SyncChannel.send(channel, .go)
            while true {
                switch SyncChannel.receive(channel) {
                case .ready:
                    return spawned
                case .error(let text):
                    throw RuntimeError(text)
                case .seccompListener(let fd):
                    defer { close(fd) }
                    try onSeccompListener(spawned.pid, fd)
                case .console(let fd):
                    try onConsole(fd)
                case .runtimeHooks:
                    try onRuntimeHooks(spawned.pid)
                    SyncChannel.send(channel, .go)
                default:
                    throw RuntimeError("container init exited during set-up")
                }
            }
        } catch {
            spawned.kill(SIGKILL)
            spawned.reap()
            throw error
        }
    }
}

extension InitSpawner.Spawned {
    public func kill(_ signal: Int32) {
        _ = cshim_pidfd_send_signal(pidfd, signal)
    }

    /// Waits for our child and returns its wait status.
    @discardableResult
    public func reap() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && cshim_errno() == EINTR {}
        return status
    }
}
