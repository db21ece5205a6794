import CShim
import Glibc
import Rootless

/// `run` or `exec` in the foreground with a terminal and no console socket: rsrun relays
/// between its own stdio and the container's pty master, like `runc run -t`. The caller's
/// terminal goes raw for the duration (restored however we leave), and its window size
/// follows SIGWINCH; other signals are passed on to the container process.
enum TerminalRelay {
    static func run(_ child: InitSpawner.Spawned, master: Int32, mask: sigset_t) -> Int32 {
        var saved = termios()
        let interactive = isatty(0) == 1 && tcgetattr(0, &saved) == 0
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
        var fds = [pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0), pollfd(fd: sfd, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
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
        // The process is gone; what it wrote last may still be in the pty.
        _ = fcntl(master, F_SETFL, O_NONBLOCK)
        while pump(master, 1) {
            var probe = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            if poll(&probe, 1, 0) <= 0 { break }
        }
        close(master)
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
