import CShim
import Glibc
import Rootless

/// The last steps of every container process, shared by `create`'s init and `exec`: clean
/// what we inherited from rsrun, take the container's identity and confinement, execve. The
/// order is the one the kernel imposes: limits and the bounding set while we still hold the
/// capabilities, KEEPCAPS across the user switch, then the sets, no_new_privs, LSM exec
/// labels, and seccomp as late as errors can still be reported.
struct ProcessLauncher {
    let process: ProcessPlan
    let seccomp: SeccompPlan?
    let lsm: LSMPlan
    /// The sync channel to the rsrun process that waits for us.
    let channel: Int32
    /// The sealed ExecTrampoline memfd, or -1 to exec directly.
    let trampoline: Int32
    /// Set for the init when its filter can wait for `start` (loadSeccompAfterStart).
    var seccompAfterStart = false

    /// Closes what we inherited from rsrun (the state lock above all, whose flock would
    /// otherwise live on in the container), except stdio, the fds passed on purpose
    /// (--preserve-fds, socket activation) and the fds in `keep`. Resets the signals rsrun
    /// blocked or ignored, which would otherwise stay so across execve.
    func resetInherited(keep: [Int32]) {
        let first = UInt32(3 + process.preserveFDs)
        var kept = keep.filter { $0 >= 0 }.map(UInt32.init).filter { $0 >= first }.sorted()
        kept.append(UInt32.max)
        var low = first
        for fd in kept {
            if fd > low { _ = cshim_close_range(low, fd - 1, 0) }
            if fd == UInt32.max { break }
            low = fd + 1
        }
        // Passed fds are the container's: they must survive execve whatever flags the caller set.
        for fd in 3..<(3 + Int32(process.preserveFDs)) { _ = fcntl(fd, F_SETFD, 0) }
        for sig in 1..<Int32(65) where sig != SIGKILL && sig != SIGSTOP { _ = cshim_signal_default(sig) }
        var empty = sigset_t()
        _ = cshim_sigemptyset(&empty)
        _ = cshim_sigprocmask(SIG_SETMASK, &empty, nil)
    }

    /// From set-up to execve, with the protocol both children share: "ready" once nothing can
    /// fail any more, or the error as one line to the waiting rsrun and exit.
    func launch(setUp: () throws -> Void, afterReady: () -> Void = {}) -> Never {
        do {
            try setUp()
            let path = try ExecutableLookup.find(process.args[0], searchPath: process.searchPath)
            try secure()
            _ = cshim_prctl(CSHIM_PR_SET_PDEATHSIG, 0, 0, 0, 0)
            SyncChannel.send(channel, .ready)
            afterReady()
            exec(path)
        } catch {
            SyncChannel.send(channel, .error("\(error)"))
            _exit(1)
        }
    }

    /// In a user namespace just created or joined, our ids are still the host's (unmapped
    /// there): become its root before making files or switching to the process user.
    func becomeNamespaceRoot() throws {
        if cshim_setresgid(0, 0, 0) != 0 { throw RuntimeError.system("setresgid to container root") }
        if cshim_setresuid(0, 0, 0) != 0 { throw RuntimeError.system("setresuid to container root") }
    }

    /// Everything between set-up and execve that changes who we are.
    func secure() throws {
        // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which the user switch
        // may drop: then it goes first (as in runc), else as late as we can report errors.
        if let seccomp, !process.noNewPrivileges { try loadSeccomp(seccomp) }
        try switchUser()
        try applyLSMLabels()
        if let seccomp, process.noNewPrivileges, !seccompAfterStart { try loadSeccomp(seccomp) }
    }

    /// With no_new_privs and no notify fd to hand to `create`, the init loads its filter after
    /// `start`, right before execve (runc's order too): `create` then does not wait for the
    /// kernel to convert, JIT and cache a large profile (~0.4 ms for podman's). The program
    /// was built and checked by libseccomp already, so a failure here is unexpected.
    func loadSeccompAfterStart() throws {
        guard seccompAfterStart, let seccomp else { return }
        try SeccompLoader.load(seccomp)
    }

    func switchUser() throws {
        let p = process
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

    /// A notify listener goes to the waiting rsrun, which hands it to the listener socket.
    func loadSeccomp(_ seccomp: SeccompPlan) throws {
        let listener = try SeccompLoader.load(seccomp)
        if listener >= 0 {
            SyncChannel.send(channel, .seccompListener(listener))
            close(listener)
        }
    }

    /// Exec labels take effect at execve, so setting them now confines only the container.
    func applyLSMLabels() throws {
        if let profile = lsm.apparmorProfile {
            let path = FileIO.exists("/proc/self/attr/apparmor/exec") ? "/proc/self/attr/apparmor/exec" : "/proc/self/attr/exec"
            if !FileIO.writeKnob(path, "exec \(profile)") {
                throw RuntimeError(path: "process.apparmorProfile", "set AppArmor profile \(profile)", errno: cshim_errno())
            }
        }
        if let label = lsm.selinuxLabel, !FileIO.writeKnob("/proc/self/attr/exec", label) {
            throw RuntimeError(path: "process.selinuxLabel", "set SELinux label \(label)", errno: cshim_errno())
        }
    }

    /// runc creates a missing cwd; images often name one that only exists at run time.
    func enterWorkingDirectory() throws {
        let cwd = process.cwd
        if chdir(cwd) == 0 { return }
        if cshim_errno() == ENOENT && FileIO.makeDirectories(cwd, mode: 0o755) && chdir(cwd) == 0 { return }
        throw RuntimeError(path: "process.cwd", "chdir \(cwd)", errno: cshim_errno())
    }

    func exec(_ path: String) -> Never {
        // Everything we opened is close-on-exec; preserved fds (3...) are not ours to close.
        // sd_listen_fds() checks LISTEN_PID against getpid(): 1 in a new pid namespace.
        let envp = CStringArray(process.socketActivation ? process.env + ["LISTEN_PID=\(getpid())"] : process.env)
        if trampoline >= 0 { ExecTrampoline.exec(trampoline, path: path, argv: process.args, envp: envp) }
        let argv = CStringArray(process.args)
        _ = cshim_execve(path, argv.pointers, envp.pointers)
        let message = "rsrun: exec \(process.args[0]): \(RuntimeError.errnoText(cshim_errno()))\n"
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
