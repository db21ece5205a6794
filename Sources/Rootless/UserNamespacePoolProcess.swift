import CShim
import Glibc

/// The background side of `UserNamespacePool`: a process forked from `create` that keeps
/// `slots` user namespaces with one set of maps ready, each held by a sleeping child, and
/// exits when none has been claimed for `idleSeconds`, on SIGTERM, or when its directory goes.
struct UserNamespacePoolProcess {
    static let directoryCheckSeconds = 5

    let pool: UserNamespacePool
    let plan: IDMapPlan
    let helpers: IDMapHelpers
    /// Our copy of the flocked fd `start` opened: the lock lasts as long as we do.
    let lock: Int32

    func serve() -> Never {
        detach(keeping: lock < 3 ? fcntl(lock, F_DUPFD_CLOEXEC, 3) : lock)
        var holders = [Int32?](repeating: nil, count: UserNamespacePool.slots)
        var lastClaim = monotonicSeconds()
        var signals = sigset_t()
        _ = cshim_sigemptyset(&signals)
        for sig in [SIGCHLD, SIGTERM, SIGINT, SIGHUP] { _ = cshim_sigaddset(&signals, sig) }
        _ = cshim_sigprocmask(SIG_SETMASK, &signals, nil)
        while true {
            for slot in holders.indices where holders[slot] == nil {
                guard let holder = makeHolder(), advertise(holder, slot: slot) else { stop(holders) }
                holders[slot] = holder
            }
            let left = Int(pool.idleSeconds) - (monotonicSeconds() - lastClaim)
            // Gone with its state root (a test's, or a logged-out user's): nobody can claim.
            if left <= 0 || !FileIO.isDirectory(pool.directory) { stop(holders) }
            var timeout = timespec(tv_sec: min(left, UserNamespacePoolProcess.directoryCheckSeconds), tv_nsec: 0)
            var info = siginfo_t()
            let sig = sigtimedwait(&signals, &info, &timeout)
            if sig < 0 { continue }
            if sig != SIGCHLD { stop(holders) }
            // A holder exits when its claimer kills it: make the next one.
            var status: Int32 = 0
            while true {
                let pid = waitpid(-1, &status, WNOHANG)
                if pid <= 0 { break }
                if let slot = holders.firstIndex(of: pid) {
                    holders[slot] = nil
                    unlinkAdvert(slot: slot, ifHeldBy: pid)
                    lastClaim = monotonicSeconds()
                }
            }
        }
    }

    /// Let go of everything `create` had: its terminal, session, working directory, and
    /// every fd but the lock, so that no caller waits on a pipe we hold. The command line is
    /// rewritten so that nothing looks for the container id in it.
    func detach(keeping lock: Int32) {
        _ = setsid()
        _ = chdir("/")
        if lock > 0 { _ = cshim_close_range(0, UInt32(lock - 1), 0) }
        _ = cshim_close_range(UInt32(bitPattern: lock) &+ 1, UInt32.max, 0)
        let null = open("/dev/null", O_RDWR)
        if null >= 0 {
            for fd in Int32(0)...2 where fd != null { _ = dup2(null, fd) }
            if null > 2 { close(null) }
        }
        for sig in 1..<Int32(65) where sig != SIGKILL && sig != SIGSTOP { _ = cshim_signal_default(sig) }
        // Making the next namespace (a clone and two setuid execs) must not slow down the
        // create that just claimed one, nor anything else: run only on otherwise idle CPUs.
        var param = sched_param()
        _ = sched_setscheduler(0, CSHIM_SCHED_IDLE, &param)
        ProcessTitle.set("rsrun userns-pool \(pool.directory)")
    }

    /// A child in a new user namespace, mapped by the helpers, that sleeps until killed.
    func makeHolder() -> Int32? {
        let parent = getpid()
        var args = cshim_clone_args()
        args.flags = CSHIM_CLONE_NEWUSER
        args.exit_signal = UInt64(SIGCHLD)
        let pid = cshim_clone3(&args)
        if pid < 0 { return nil }
        if pid == 0 {
            _ = cshim_close_range(0, UInt32.max, 0)
            _ = cshim_prctl(CSHIM_PR_SET_PDEATHSIG, UInt(SIGKILL), 0, 0, 0)
            if getppid() != parent { _exit(0) }
            var none = sigset_t()
            _ = cshim_sigemptyset(&none)
            _ = cshim_sigprocmask(SIG_SETMASK, &none, nil)
            while true { pause() }
        }
        let holder = Int32(pid)
        do {
            try IDMapWriter.runHelpers(pid: holder, helpers, plan)
            return holder
        } catch {
            kill(holder, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(holder, &status, 0)
            return nil
        }
    }

    func advertise(_ holder: Int32, slot: Int) -> Bool {
        guard let probe = ProcessProbe.read(pid: holder) else { return false }
        let advert = UserNamespacePool.Advert(pid: holder, startTime: probe.startTime, maps: UserNamespacePool.mapsText(plan))
        do {
            try FileIO.writeAtomically(pool.advertPath(plan, slot: slot), advert.bytes)
            return true
        } catch {
            kill(holder, SIGKILL)
            return false
        }
    }

    /// A holder that died unclaimed must not stay advertised; a claimed one's advert is gone.
    func unlinkAdvert(slot: Int, ifHeldBy pid: Int32) {
        let path = pool.advertPath(plan, slot: slot)
        if let bytes = FileIO.read(path, limit: 64 << 10), UserNamespacePool.Advert(bytes)?.pid == pid {
            unlink(path)
        }
    }

    func stop(_ holders: [Int32?]) -> Never {
        for (slot, holder) in holders.enumerated() {
            guard let holder else { continue }
            unlinkAdvert(slot: slot, ifHeldBy: holder)
            kill(holder, SIGKILL)
        }
        var status: Int32 = 0
        while waitpid(-1, &status, 0) > 0 || cshim_errno() == EINTR {}
        _exit(0)
    }

    func monotonicSeconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return ts.tv_sec
    }
}
