import CShim
import Glibc
import Rootless

extension Runtime {
    /// create + start; in the foreground, wait with signals forwarded and return the exit
    /// code (128+N for signal N), removing the container afterwards as runc does.
    public func run(_ id: String, _ options: CreateOptions, detach: Bool, onCreated: (CreatedContainer) -> Void = { _ in },
                    onWarning: (String) -> Void = { _ in }) throws -> Int32 {
        let mask = ForegroundWait.blockForwardedSignals(!detach)
        var options = options
        options.relayTerminal = !detach
        let created = try create(id, options)
        onCreated(created)
        let fifoPath = store.fifoPath(id)
        unlink(fifoPath)
        let result = created.hasStartHooks ? open(store.startResultPath(id), O_RDONLY | O_NONBLOCK | O_CLOEXEC) : -1
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
        let status = ForegroundWait.run(created.spawned, master: created.console, mask: mask)
        if let lock = try? store.lock(id) {
            withExtendedLifetime(lock) {
                for warning in (try? remove(id, record: created.record)) ?? [] { onWarning(warning) }
            }
        }
        return Runtime.exitCode(status)
    }

    /// The shell's convention: the exit code, or 128+N for death by signal N.
    public static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }
}
