import CShim
import Glibc

/// clone3 of the single-threaded process with a pidfd for the child and SIGCHLD on exit: how
/// rsrun starts the init, exec's first child and host programs. Returns (0, -1) in the child;
/// a negative pid (errno set) on failure. `cgroup`: a cgroup v2 directory fd the child starts
/// in (CLONE_INTO_CGROUP), so it never runs a moment in ours; -1 for ours.
enum PidfdClone {
    static func clone(flags: UInt64, cgroup: Int32 = -1) -> (pid: Int, pidfd: Int32) {
        var pidfd: Int32 = -1
        let pid = withUnsafeMutablePointer(to: &pidfd) { fdPointer -> Int in
            var args = cshim_clone_args()
            args.flags = flags | CSHIM_CLONE_PIDFD
            args.pidfd = UInt64(UInt(bitPattern: fdPointer))
            args.exit_signal = UInt64(SIGCHLD)
            if cgroup >= 0 {
                args.flags |= CSHIM_CLONE_INTO_CGROUP
                args.cgroup = UInt64(cgroup)
            }
            return cshim_clone3(&args)
        }
        return (pid, pidfd)
    }
}
