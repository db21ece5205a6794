import CShim
import Glibc
import Rootless

/// The container's init between clone3 and execve. It runs in the child, a copy of the
/// single-threaded parent, and only executes the plan: every decision was made before.
/// Failures go back to the parent as one line on the sync channel; the child then exits.
struct ContainerInit {
    let plan: ContainerPlan
    let channel: Int32
    let fifo: Int32
    /// Write end of the start result fifo, or -1.
    let startResult: Int32
    /// The sealed ExecTrampoline, or -1.
    let trampoline: Int32

    var launcher: ProcessLauncher {
        var launcher = ProcessLauncher(process: plan.process, seccomp: plan.seccomp, lsm: plan.lsm, channel: channel, trampoline: trampoline)
        launcher.seccompAfterStart = plan.process.noNewPrivileges && !(plan.seccomp?.notifies ?? false)
        return launcher
    }

    func run() -> Never {
        let launcher = launcher
        launcher.launch(setUp: setUp) {
            waitForStart()
            afterStart(launcher)
        }
    }

    func setUp() throws {
        // In a joined pid namespace another container's processes see us from the start, while
        // we are still the rsrun binary (CVE-2019-5736): hide it now, as `exec` does.
        if plan.nonDumpableInit && plan.namespaceJoins.joinsPid { _ = cshim_prctl(CSHIM_PR_SET_DUMPABLE, 0, 0, 0, 0) }
        // The joined namespaces' fds, and the idmapped mounts rsrun prepared, stay open until used.
        launcher.resetInherited(keep: [channel, fifo, startResult, trampoline] + plan.namespaceJoins.fds + plan.mounts.map(\.detachedTree))
        // Die with `create` while setting up; cleared before we report ready.
        _ = cshim_prctl(CSHIM_PR_SET_PDEATHSIG, UInt(SIGKILL), 0, 0, 0)
        guard SyncChannel.receive(channel) == .go else { _exit(1) }
        if plan.userNamespace != nil || plan.namespaceJoins.joinsUser { try launcher.becomeNamespaceRoot() }
        if !plan.namespaceJoins.beforeClone { try NamespaceJoin.enter(plan.namespaceJoins) }
        var cgroupDirectory = plan.cgroupDirectory
        if plan.cgroupNamespaceAfterPlacement {
            // Where we were put, read while /proc/self/cgroup still shows the host's path.
            if let own = FileIO.readText("/proc/self/cgroup").flatMap(CgroupHierarchy.ownCgroup) {
                cgroupDirectory = CgroupHierarchy.detect()?.directory(own)
            }
            if cshim_unshare(Int32(CSHIM_CLONE_NEWCGROUP)) != 0 { throw RuntimeError.system("unshare cgroup namespace") }
        }
        if plan.newTimeNamespace {
            // The offsets can be set only before a process enters the namespace; execve moves us in.
            if cshim_unshare(Int32(CSHIM_CLONE_NEWTIME)) != 0 { throw RuntimeError.system("unshare time namespace") }
            if let offsets = plan.timeOffsets, !FileIO.writeKnob("/proc/self/timens_offsets", offsets) {
                throw RuntimeError(path: "linux.timeOffsets", "write timens_offsets", errno: cshim_errno())
            }
        }
        if let name = plan.hostname, cshim_sethostname(name, name.utf8.count) != 0 {
            throw RuntimeError(path: "hostname", "sethostname", errno: cshim_errno())
        }
        if let name = plan.domainname, cshim_setdomainname(name, name.utf8.count) != 0 {
            throw RuntimeError(path: "domainname", "setdomainname", errno: cshim_errno())
        }
        if plan.bringUpLoopback { try Loopback.up() }
        if plan.namespaceJoins.joinsMount {
            try RootSwitch.prepareInJoinedNamespace(rootfs: plan.rootfs, propagation: plan.rootPropagation)
        } else {
            try RootSwitch.prepare(rootfs: plan.rootfs, propagation: plan.rootPropagation)
        }
        try MountExecutor.mountAll(plan.mounts, rootfs: plan.rootfs, cgroupDirectory: cgroupDirectory)
        try DeviceSetup.populate(plan.devices, rootfs: plan.rootfs)
        if plan.hasRuntimeHooks {
            SyncChannel.send(channel, .runtimeHooks)
            guard SyncChannel.receive(channel) == .go else { _exit(1) }
        }
        // In the container's namespaces, before pivot_root: paths still resolve on the host.
        try HookRunner.run(plan.hooks.createContainer, stage: "createContainer", state: hookState(.creating))
        if plan.namespaceJoins.joinsMount {
            try RootSwitch.chrootInJoinedNamespace(rootfs: plan.rootfs)
        } else if plan.noPivot {
            try RootSwitch.moveAndChroot(rootfs: plan.rootfs)
        } else {
            try RootSwitch.pivot(rootfs: plan.rootfs)
        }
        // After pivot_root, so that the pty comes from the container's devpts.
        if let terminal = plan.process.terminal { try TerminalSetup.allocate(terminal, channel: channel, bindConsole: true) }
        try RootSwitch.applySysctl(plan.sysctl)
        try RootSwitch.mask(plan.maskedPaths)
        try RootSwitch.makeReadonly(plan.readonlyPaths)
        if plan.readonlyRoot { try RootSwitch.readonlyRoot() }
        // Last of the mounts: masking binds /dev/null, which an unbindable tree would refuse.
        try RootSwitch.finishPropagation(plan.rootPropagation)
        if let persona = plan.personality, cshim_personality(persona) < 0 {
            throw RuntimeError(path: "linux.personality", "personality", errno: cshim_errno())
        }
        try launcher.enterWorkingDirectory()
        // Until execve we are the rsrun binary, and `exec` can put processes next to us while
        // the container is created: they must not open our /proc/<pid>/exe (CVE-2019-5736).
        // After the hooks, which may need our /proc files (nsenter, network set-up).
        if plan.nonDumpableInit { _ = cshim_prctl(CSHIM_PR_SET_DUMPABLE, 0, 0, 0, 0) }
    }

    /// Hooks run by the init see the container's pid as the container sees it.
    func hookState(_ status: ContainerStatus) -> JSONValue {
        guard var record = plan.hookState else { return .null }
        record.pid = getpid()
        return record.ociState(status: status)
    }

    /// After `start`, before execve: startContainer hooks, then a deferred filter. A failure
    /// goes to `start` on the result fifo (there is one whenever start hooks exist), else to
    /// the container's stderr, and the container stops: it never runs its program.
    func afterStart(_ launcher: ProcessLauncher) {
        do {
            try HookRunner.run(plan.hooks.startContainer, stage: "startContainer", state: hookState(.created))
            try launcher.loadSeccompAfterStart()
        } catch {
            if startResult >= 0 {
                FileIO.writeAll(fd: startResult, Array("\(error)".utf8))
            } else {
                FileIO.writeAll(fd: 2, Array("rsrun: \(error)\n".utf8))
            }
            _exit(1)
        }
    }

    /// The fifo is open read-write, so read() blocks until `start` writes a byte, and never
    /// sees EOF while we wait. A failed read means the container was deleted meanwhile.
    func waitForStart() {
        var byte: UInt8 = 0
        while true {
            let n = Glibc.read(fifo, &byte, 1)
            if n == 1 { return }
            if n < 0 && cshim_errno() == EINTR { continue }
            _exit(1)
        }
    }
}
