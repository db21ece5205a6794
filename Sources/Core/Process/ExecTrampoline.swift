import CShim
import Glibc
import Rootless

/// CVE-2019-5736: if a container process is ever the rsrun binary, say because its program is
/// a script whose interpreter is `/proc/self/exe` (resolved by execve in the process that
/// calls it, that is, in rsrun), the container can open the host binary through
/// `/proc/<pid>/exe` and rewrite it once it stops running.
///
/// runc answers with a re-exec of itself from a sealed copy; rsrun never re-executes itself.
/// Instead, the last execve of a container process runs a trampoline of a few hundred bytes
/// (contrib/trampoline) from a sealed memfd, and the trampoline execs the program. Whatever
/// the program's interpreter resolves to is then that sealed copy, which refuses to run as
/// one. The set-up before execve is covered by making the process non-dumpable instead.
enum ExecTrampoline {
    /// argv[0] of the trampoline; anything else makes it refuse to run.
    static let marker = "rsrun-ex"

    /// The image for this machine; nil where there is none, and rsrun then execs directly.
    static var image: [UInt8]? {
        #if arch(x86_64)
        return imageX86_64
        #else
        return nil
        #endif
    }

    /// Whether the process can go through the trampoline. Not with an LSM exec label, which
    /// applies to the next execve only: the trampoline would take it, and the program would
    /// get whatever the policy gives on the second one. Not when the seccomp profile may
    /// refuse execveat(2), which executes it.
    static func usable(lsm: LSMPlan, seccomp profile: Spec.Seccomp?) -> Bool {
        guard image != nil, lsm.apparmorProfile == nil, lsm.selinuxLabel == nil else { return false }
        guard let profile else { return true }
        var allowed = profile.defaultAction == .allow || profile.defaultAction == .log
        for rule in profile.syscalls where rule.names.contains("execveat") {
            allowed = rule.args.isEmpty && (rule.action == .allow || rule.action == .log)
            if !allowed { return false }
        }
        return allowed
    }

    /// A sealed memfd with the image, for the spawner to open before clone; -1 if the kernel
    /// refuses one, and the process then execs directly.
    static func load() -> Int32 {
        guard let image else { return -1 }
        let flags = CSHIM_MFD_CLOEXEC | CSHIM_MFD_ALLOW_SEALING
        // MFD_EXEC (6.3) keeps vm.memfd_noexec=1 from making it non-executable; older kernels refuse the flag.
        var fd = cshim_memfd_create("rsrun-exec", flags | CSHIM_MFD_EXEC)
        if fd < 0 && cshim_errno() == EINVAL { fd = cshim_memfd_create("rsrun-exec", flags) }
        guard fd >= 0 else { return -1 }
        let seals = CSHIM_F_SEAL_SEAL | CSHIM_F_SEAL_SHRINK | CSHIM_F_SEAL_GROW | CSHIM_F_SEAL_WRITE
        guard FileIO.writeAll(fd: fd, image), fcntl(fd, CSHIM_F_ADD_SEALS, seals) == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    /// Runs `path` through the trampoline in `fd`. Returns only if the kernel refused to run
    /// the trampoline itself; the caller then execs directly.
    static func exec(_ fd: Int32, path: String, argv: [String], envp: CStringArray) {
        let args = CStringArray([marker, path] + argv)
        _ = cshim_execveat(fd, "", args.pointers, envp.pointers, CSHIM_AT_EMPTY_PATH)
    }
}
