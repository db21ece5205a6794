import CShim
import Glibc
import Rootless

/// `exec`'s process sequence. rsrun clones one child, which joins all of the init's
/// namespaces at once through its pidfd (setns(2) orders the user namespace first). A pid
/// namespace joined that way applies to children only, so the child then forks once more,
/// with CLONE_PARENT so that the process in the container is rsrun's own child (waitable,
/// signalled through a pidfd), tells rsrun its pid and exits. Without a pid namespace to
/// join, the first child is the process. Either way: exactly one extra process at most.
enum ExecSpawner {
    /// `initPidfd`: the container's init, checked to be the process `create` started.
    /// `cgroup`: the container's cgroup directory fd (-1: it has none), cloned into.
    static func spawn(_ plan: ExecPlan, initPid: Int32, initPidfd: Int32, cgroup: Int32 = -1,
                      onSeccompListener: (Int32, Int32) throws -> Void,
                      onConsole: (Int32) throws -> Void) throws -> InitSpawner.Spawned {
        // The init's root, for a container made with --no-pivot (its mount namespace's root
        // is then not the container's); best effort, the namespace root is right otherwise.
        let rootFD = open("/proc/\(initPid)/root", Int32(CSHIM_O_PATH) | O_CLOEXEC)
        defer { if rootFD >= 0 { close(rootFD) } }
        let timeFD = ContainerNamespaces.timeNamespace(pid: initPid)
        defer { if timeFD >= 0 { close(timeFD) } }
        let trampoline = plan.process.throughTrampoline ? ExecTrampoline.load() : -1
        defer { if trampoline >= 0 { close(trampoline) } }
        let (pid, pidfd, channel) = try SyncChannel.clone(flags: 0, cgroup: cgroup, what: "start the exec'd process") { end in
            ExecChild(plan: plan, initPidfd: initPidfd, rootFD: rootFD, timeFD: timeFD, channel: end, trampoline: trampoline).run()
        }
        defer { close(channel) }
        let first = InitSpawner.Spawned(pid: pid, pidfd: pidfd, pooledFrom: nil)
        var process = plan.forksIntoPidNamespace ? nil : first
        // B may say "ready" before A, which forked it, has sent its pid: wait for both.
        var ready = false
        do {
            while true {
                switch SyncChannel.receive(channel) {
                case .pid(let forked):
                    let forkedProcess = try SiblingFork.adopt(forked, from: first, what: "the exec'd process")
                    process = forkedProcess
                    if ready { return forkedProcess }
                case .ready:
                    guard let process else {
                        ready = true
                        continue
                    }
                    return process
                case .error(let text):
                    throw RuntimeError(text)
                case .seccompListener(let fd):
                    defer { close(fd) }
                    try onSeccompListener(process?.pid ?? first.pid, fd)
                case .console(let fd):
                    try onConsole(fd)
                default:
                    throw RuntimeError("the exec'd process exited during set-up")
                }
            }
        } catch {
            if let process {
                process.kill(SIGKILL)
                process.reap()
            }
            if process?.pid != first.pid {
                first.kill(SIGKILL)
                first.reap()
            }
            throw error
        }
    }
}

/// The child side of `exec`, from clone3 to execve: it only executes the plan.
struct ExecChild {
    let plan: ExecPlan
    let initPidfd: Int32
    let rootFD: Int32
    /// The container's time namespace, when not ours (ContainerNamespaces.timeNamespace), or -1.
    let timeFD: Int32
    let channel: Int32
    /// The sealed ExecTrampoline, or -1.
    let trampoline: Int32

    var launcher: ProcessLauncher {
        ProcessLauncher(process: plan.process, seccomp: plan.seccomp, lsm: plan.lsm, channel: channel, trampoline: trampoline)
    }

    func run() -> Never {
        // Nothing in the container may open our /proc/<pid>/exe or memory while we are
        // rsrun; execve makes the process dumpable again as the container's program.
        _ = cshim_prctl(CSHIM_PR_SET_DUMPABLE, 0, 0, 0, 0)
        _ = cshim_prctl(CSHIM_PR_SET_PDEATHSIG, UInt(SIGKILL), 0, 0, 0)
        launcher.launch(setUp: setUp)
    }

    func setUp() throws {
        let affinity = plan.process.cpuAffinity
        if let initial = affinity?.initial { try CPUAffinityPlan.apply(initial, field: "process.execCPUAffinity.initial") }
        try join()
        if plan.forksIntoPidNamespace { try forkIntoPidNamespace() }
        if let final = affinity?.final { try CPUAffinityPlan.apply(final, field: "process.execCPUAffinity.final") }
        launcher.resetInherited(keep: [channel, trampoline])
        if plan.joinsUserNamespace { try launcher.becomeNamespaceRoot() }
        if let terminal = plan.process.terminal { try TerminalSetup.allocate(terminal, channel: channel, bindConsole: false) }
        try launcher.enterWorkingDirectory()
    }

    func join() throws {
        if plan.namespaces != 0 && cshim_setns(initPidfd, Int32(truncatingIfNeeded: plan.namespaces)) != 0 {
            throw RuntimeError(step: "join the container's namespaces", "setns", errno: cshim_errno())
        }
        close(initPidfd)
        // After the user namespace, whose root may enter its time namespace.
        if timeFD >= 0 {
            if cshim_setns(timeFD, Int32(CSHIM_CLONE_NEWTIME)) != 0 {
                throw RuntimeError(step: "join the container's time namespace", "setns", errno: cshim_errno())
            }
            close(timeFD)
        }
        if rootFD >= 0 {
            if fchdir(rootFD) != 0 || chroot(".") != 0 {
                throw RuntimeError(step: "enter the container's root", "chroot", errno: cshim_errno())
            }
            close(rootFD)
        }
    }

    /// The second fork: its child is rsrun's (CLONE_PARENT) and in the container's pid namespace.
    func forkIntoPidNamespace() throws {
        try SiblingFork.fork(channel: channel, what: "enter the container's pid namespace")
    }
}
