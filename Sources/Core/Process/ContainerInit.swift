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

    func run() -> Never {
        do {
            try setUp()
            let path = try ExecutableLookup.find(plan.process.args[0], searchPath: plan.process.searchPath)
            // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which the user switch
            // may drop: then it goes first (as in runc), else as late as we can report errors.
            if let seccomp = plan.seccomp, !plan.process.noNewPrivileges { try loadSeccomp(seccomp) }
            try switchUser()
            try applyLSMLabels()
            if let seccomp = plan.seccomp, plan.process.noNewPrivileges { try loadSeccomp(seccomp) }
            _ = cshim_prctl(CSHIM_PR_SET_PDEATHSIG, 0, 0, 0, 0)
            SyncChannel.send(channel, .ready)
            waitForStart()
            exec(path)
        } catch {
            SyncChannel.send(channel, .error("\(error)"))
            _exit(1)
        }
    }

    func setUp() throws {
        closeInheritedFDs()
        // Signals `run` blocked to forward them must not stay blocked in the container, and
        // signals our caller ignored would stay ignored across execve: reset both.
        for sig in 1..<Int32(65) where sig != SIGKILL && sig != SIGSTOP { _ = cshim_signal_default(sig) }
        var empty = sigset_t()
        _ = cshim_sigemptyset(&empty)
        _ = cshim_sigprocmask(SIG_SETMASK, &empty, nil)
        // Die with `create` while setting up; cleared before we report ready.
        _ = cshim_prctl(CSHIM_PR_SET_PDEATHSIG, UInt(SIGKILL), 0, 0, 0)
        guard SyncChannel.receive(channel) == .go else { _exit(1) }
        if plan.userNamespace != nil {
            if cshim_setresgid(0, 0, 0) != 0 { throw RuntimeError.system("setresgid to container root") }
            if cshim_setresuid(0, 0, 0) != 0 { throw RuntimeError.system("setresuid to container root") }
        }
        for (flag, path) in plan.joinNamespaces {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 || cshim_setns(fd, Int32(flag)) != 0 {
                throw RuntimeError(step: "join namespace", path: path, "", errno: cshim_errno())
            }
            close(fd)
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
        try RootSwitch.prepare(rootfs: plan.rootfs, propagation: plan.rootPropagation)
        try MountExecutor.mountAll(plan.mounts, rootfs: plan.rootfs)
        try DeviceSetup.populate(plan.devices, rootfs: plan.rootfs)
        if plan.noPivot {
            try RootSwitch.moveAndChroot(rootfs: plan.rootfs)
        } else {
            try RootSwitch.pivot(rootfs: plan.rootfs)
        }
        try RootSwitch.applySysctl(plan.sysctl)
        try RootSwitch.mask(plan.maskedPaths)
        try RootSwitch.makeReadonly(plan.readonlyPaths)
        if plan.readonlyRoot { try RootSwitch.readonlyRoot() }
        if let persona = plan.personality, cshim_personality(persona) < 0 {
            throw RuntimeError(path: "linux.personality", "personality", errno: cshim_errno())
        }
        try enterWorkingDirectory()
    }

    /// We are a copy of `create`: its open files (the state lock above all, whose flock would
    /// otherwise live on in the container) are closed, except stdio, the fds passed with
    /// --preserve-fds, and our two channels.
    func closeInheritedFDs() {
        let first = UInt32(3 + plan.process.preserveFDs)
        var keep = [UInt32(channel), UInt32(fifo)].filter { $0 >= first }.sorted()
        keep.append(UInt32.max)
        var low = first
        for fd in keep {
            if fd > low { _ = cshim_close_range(low, fd - 1, 0) }
            if fd == UInt32.max { break }
            low = fd + 1
        }
    }

    /// runc creates a missing cwd; images often name one that only exists at run time.
    func enterWorkingDirectory() throws {
        let cwd = plan.process.cwd
        if chdir(cwd) == 0 { return }
        if cshim_errno() == ENOENT && FileIO.makeDirectories(cwd, mode: 0o755) && chdir(cwd) == 0 { return }
        throw RuntimeError(path: "process.cwd", "chdir \(cwd)", errno: cshim_errno())
    }

    func switchUser() throws {
        let p = plan.process
        try LimitSetter.apply(p)
        if let caps = p.capabilities { try CapabilitySetter.dropBounding(caps) }
        if !p.keepGroups {
            let rc = p.additionalGids.withUnsafeBufferPointer { cshim_setgroups($0.count, $0.baseAddress) }
            if rc != 0 { throw RuntimeError(path: "process.user.additionalGids", "setgroups", errno: cshim_errno()) }
        }
        if cshim_setresgid(p.gid, p.gid, p.gid) != 0 { throw RuntimeError(path: "process.user.gid", "setgid \(p.gid)", errno: cshim_errno()) }
        if cshim_setresuid(p.uid, p.uid, p.uid) != 0 { throw RuntimeError(path: "process.user.uid", "setuid \(p.uid)", errno: cshim_errno()) }
        if let caps = p.capabilities { try CapabilitySetter.apply(caps) }
        if let mask = p.umask { umask(mode_t(mask)) }
        if p.noNewPrivileges && cshim_prctl(CSHIM_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            throw RuntimeError(path: "process.noNewPrivileges", "prctl", errno: cshim_errno())
        }
    }

    /// A notify listener goes to `create`, which hands it to the listener socket.
    func loadSeccomp(_ seccomp: SeccompPlan) throws {
        let listener = try SeccompLoader.load(seccomp)
        if listener >= 0 {
            SyncChannel.send(channel, .seccompListener(listener))
            close(listener)
        }
    }

    /// Exec labels take effect at execve, so setting them now confines only the container.
    func applyLSMLabels() throws {
        if let profile = plan.lsm.apparmorProfile {
            let path = FileIO.exists("/proc/self/attr/apparmor/exec") ? "/proc/self/attr/apparmor/exec" : "/proc/self/attr/exec"
            if !FileIO.writeKnob(path, "exec \(profile)") {
                throw RuntimeError(path: "process.apparmorProfile", "set AppArmor profile \(profile)", errno: cshim_errno())
            }
        }
        if let label = plan.lsm.selinuxLabel, !FileIO.writeKnob("/proc/self/attr/exec", label) {
            throw RuntimeError(path: "process.selinuxLabel", "set SELinux label \(label)", errno: cshim_errno())
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

    func exec(_ path: String) -> Never {
        // Everything we opened is close-on-exec; preserved fds (3...) are not ours to close.
        let argv = CStringArray(plan.process.args)
        let envp = CStringArray(plan.process.env)
        _ = cshim_execve(path, argv.pointers, envp.pointers)
        let message = "rsrun: exec \(plan.process.args[0]): \(RuntimeError.errnoText(cshim_errno()))\n"
        FileIO.writeAll(fd: 2, Array(message.utf8))
        _exit(127)
    }
}

/// A NULL-terminated char*[] for execve. It is only built right before exec, so it is never freed.
struct CStringArray {
    let pointers: [UnsafeMutablePointer<CChar>?]

    init(_ strings: [String]) {
        pointers = strings.map { strdup($0) } + [nil]
    }
}
