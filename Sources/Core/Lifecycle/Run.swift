import CShim
import Glibc
import Rootless

extension Runtime {
    /// Signals `run` passes on to the container; SIGCHLD is ours, SIGKILL/SIGSTOP cannot be caught.
    static let forwardedSignals: [Int32] = [
        SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGALRM,
        SIGPIPE, SIGPWR, SIGURG, SIGPROF, SIGVTALRM, SIGXCPU, SIGXFSZ,
    ]

    /// create + start; in the foreground, wait with signals forwarded and return the exit
    /// code (128+N for signal N), removing the container afterwards as runc does.
    public func run(_ id: String, _ options: CreateOptions, detach: Bool, onCreated: (CreatedContainer) -> Void = { _ in },
                    onWarning: (String) -> Void = { _ in }) throws -> Int32 {
        var mask = sigset_t()
        _ = cshim_sigemptyset(&mask)
        if !detach {
            // Blocked before clone3 so none is lost; the init unblocks them for itself.
            for sig in Runtime.forwardedSignals { _ = cshim_sigaddset(&mask, sig) }
            _ = cshim_sigprocmask(SIG_BLOCK, &mask, nil)
        }
        var options = options
        options.relayTerminal = !detach
        let created = try create(id, options)
        onCreated(created)
        let fifoPath = store.fifoPath(id)
        unlink(fifoPath)
        let result = open(store.startResultPath(id), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        let released = FileIO.writeAll(fd: created.fifo, [0])
        close(created.fifo)
        var warnings: [String] = []
        do {
            if !released { throw RuntimeError.system("start container") }
            warnings = try afterStart(created.record, result: result)
        } catch {
            created.spawned.kill(SIGKILL)
            created.spawned.reap()
            for warning in (try? remove(id, record: created.record)) ?? [] { onWarning(warning) }
            throw error
        }
        created.lock.release()
        for warning in warnings { onWarning(warning) }
        if detach { return 0 }
        let status = created.console >= 0
            ? TerminalRelay.run(created.spawned, master: created.console, mask: mask)
            : forwardUntilExit(created.spawned, mask: mask)
        if let lock = try? store.lock(id) {
            withExtendedLifetime(lock) {
                for warning in (try? remove(id, record: created.record)) ?? [] { onWarning(warning) }
            }
        }
        return Runtime.exitCode(status)
    }

    func forwardUntilExit(_ child: InitSpawner.Spawned, mask: sigset_t) -> Int32 {
        var mask = mask
        let sfd = cshim_signalfd(-1, &mask, Int32(O_CLOEXEC))
        var fds = [pollfd(fd: child.pidfd, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: sfd, events: Int16(POLLIN), revents: 0)]
        while true {
            let n = poll(&fds, sfd >= 0 ? 2 : 1, -1)
            if n < 0 && cshim_errno() == EINTR { continue }
            if n < 0 || fds[0].revents != 0 { break }
            if fds[1].revents != 0 {
                // struct signalfd_siginfo is 128 bytes; ssi_signo is its first field.
                var info = [UInt8](repeating: 0, count: 128)
                let got = info.withUnsafeMutableBytes { Glibc.read(sfd, $0.baseAddress, 128) }
                if got == 128 {
                    let signo = info.withUnsafeBytes { $0.load(as: UInt32.self) }
                    child.kill(Int32(signo))
                }
            }
        }
        if sfd >= 0 { close(sfd) }
        return child.reap()
    }

    /// The shell's convention: the exit code, or 128+N for death by signal N.
    public static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }
}
