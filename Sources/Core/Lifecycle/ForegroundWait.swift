import CShim
import Glibc
import Rootless

/// `run` and `exec` in the foreground: wait for the container process, passing our signals
/// on. With a pty master of its own (a terminal and no console socket), rsrun also relays
/// between its stdio and the pty, like `runc run -t`: the caller's terminal goes raw for the
/// duration (restored however we leave) and its window size follows SIGWINCH.
enum ForegroundWait {
    /// Signals passed on to the container; SIGCHLD is ours, SIGKILL/SIGSTOP cannot be caught.
    static let forwardedSignals: [Int32] = [
        SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGALRM,
        SIGPIPE, SIGPWR, SIGURG, SIGPROF, SIGVTALRM, SIGXCPU, SIGXFSZ,
    ]

    /// Blocked before the clone so none is lost; the child unblocks them for itself.
    /// Returns the mask to wait with (empty when detached: nothing to forward).
    static func blockForwardedSignals(_ foreground: Bool) -> sigset_t {
        var mask = sigset_t()
        _ = cshim_sigemptyset(&mask)
        guard foreground else { return mask }
        for sig in forwardedSignals { _ = cshim_sigaddset(&mask, sig) }
        _ = cshim_sigprocmask(SIG_BLOCK, &mask, nil)
        return mask
    }

    /// The child's wait status. `master`: the pty to relay, or -1.
    static func run(_ child: InitSpawner.Spawned, master: Int32, mask: sigset_t) -> Int32 {
        var saved = termios()
        let interactive = master >= 0 && isatty(0) == 1 && tcgetattr(0, &saved) == 0
        if interactive {
            var raw = saved
            cfmakeraw(&raw)
            tcsetattr(0, TCSANOW, &raw)
            copyWindowSize(to: master)
        }
        defer { if interactive { tcsetattr(0, TCSANOW, &saved) } }
        var mask = mask
        let sfd = cshim_signalfd(-1, &mask, Int32(O_CLOEXEC))
        defer { if sfd >= 0 { close(sfd) } }
        // poll(2) skips negative fds: without a master only the first two are watched.
        var fds = [pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0), pollfd(fd: sfd, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: master >= 0 ? 0 : -1, events: Int16(POLLIN), revents: 0), pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 16384)
        /// Copies what `from` has to `to`; false at EOF or error (the pty gives EIO once closed).
        func pump(_ from: Int32, _ to: Int32) -> Bool {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(from, $0.baseAddress, $0.count) }
            if n < 0 && (cshim_errno() == EINTR || cshim_errno() == EAGAIN) { return true }
            if n <= 0 { return false }
            return FileIO.writeAll(fd: to, buffer[0..<n])
        }
        while true {
            let n = poll(&fds, nfds_t(fds.count), -1)
            if n < 0 && cshim_errno() == EINTR { continue }
            if n < 0 || fds[0].revents != 0 { break }
            if fds[1].revents != 0 {
                var info = [UInt8](repeating: 0, count: 128)   // struct signalfd_siginfo; ssi_signo first
                if info.withUnsafeMutableBytes({ Glibc.read(sfd, $0.baseAddress, 128) }) == 128 {
                    let signo = Int32(info.withUnsafeBytes { $0.load(as: UInt32.self) })
                    if signo == SIGWINCH && interactive { copyWindowSize(to: master) } else { child.kill(signo) }
                }
            }
            // Our stdin at EOF is not the container's end: stop reading it and go on.
            if fds[2].revents != 0 && !pump(0, master) { fds[2].fd = -1 }
            if fds[3].revents != 0 && !pump(master, 1) { fds[3].fd = -1 }
        }
        if master >= 0 {
            // The process is gone; what it wrote last may still be in the pty.
            _ = fcntl(master, F_SETFL, O_NONBLOCK)
            while pump(master, 1) {
                var probe = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                if poll(&probe, 1, 0) <= 0 { break }
            }
            close(master)
        }
        return child.reap()
    }

    static func copyWindowSize(to master: Int32) {
        var window = winsize()
        // A terminal that reports no size (a bare pty) leaves process.consoleSize in place.
        if cshim_ioctl_ptr(0, CSHIM_TIOCGWINSZ, &window) == 0 && window.ws_row > 0 && window.ws_col > 0 {
            _ = cshim_ioctl_ptr(master, CSHIM_TIOCSWINSZ, &window)
        }
    }
}
