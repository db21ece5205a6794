import CShim
import Glibc
import Rootless

/// The one extra process rsrun ever adds, in `exec` and `create` alike. A pid namespace
/// joined with setns(2) applies to children only, so the child of rsrun that joined it forks
/// once more with CLONE_PARENT: the new process is rsrun's own child (it gets SIGCHLD, can be
/// waited for, and pidfd_open(2) on its pid is race-free while it is unreaped). The forking
/// child reports the pid on the sync channel and exits; rsrun reaps it.
enum SiblingFork {
    /// In the forking child: returns in the new process; the forking one reports and exits.
    /// `flags`: the namespaces to create with it.
    static func fork(flags: UInt64 = 0, channel: Int32, what: String) throws {
        var args = cshim_clone_args()
        // With CLONE_PARENT the kernel takes the exit signal of the forking process: SIGCHLD.
        args.flags = CSHIM_CLONE_PARENT | flags
        let pid = cshim_clone3(&args)
        if pid < 0 { throw RuntimeError(step: "clone3", what, errno: cshim_errno()) }
        if pid > 0 {
            SyncChannel.send(channel, .pid(Int32(pid)))
            _exit(0)
        }
        // PDEATHSIG is not inherited; our parent is now rsrun itself.
        _ = cshim_prctl(CSHIM_PR_SET_PDEATHSIG, UInt(SIGKILL), 0, 0, 0)
    }

    /// In rsrun, given the pid `first` reported: that process with a pidfd; `first` reaped.
    static func adopt(_ pid: Int32, from first: InitSpawner.Spawned, what: String) throws -> InitSpawner.Spawned {
        let fd = cshim_pidfd_open(pid, 0)
        if fd < 0 {
            let code = cshim_errno()
            // Our unreaped child: the pid is still its own.
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && cshim_errno() == EINTR {}
            throw RuntimeError.system("pidfd_open of \(what)", errno: code)
        }
        first.reap()
        close(first.pidfd)
        return InitSpawner.Spawned(pid: pid, pidfd: fd, pooledFrom: nil)
    }
}
