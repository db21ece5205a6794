import CShim
import Glibc
import Rootless

extension Runtime {
    /// Lets a created container's init exec the process: one byte into the exec fifo. With
    /// startContainer or poststart hooks, waits for the init's verdict and runs poststart.
    /// Returns warnings (a failed poststart hook does not fail `start`, as the spec says).
    public func start(_ id: String) throws -> [String] {
        try ContainerID.validate(id)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        guard let record = try store.record(id) else { throw RuntimeError("cannot start a container that is creating") }
        let status = store.status(of: record)
        guard status == .created else {
            throw RuntimeError("cannot start a container that is \(status.rawValue)")
        }
        // Opened before the init may go on, so its verdict cannot be missed (-1: no start hooks).
        let result = open(store.startResultPath(id), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        let fifoPath = store.fifoPath(id)
        let fd = open(fifoPath, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            let code = cshim_errno()
            if result >= 0 { close(result) }
            // ENXIO: nobody holds the read end, the init is gone.
            throw RuntimeError(step: "open exec fifo", path: fifoPath, "", errno: code)
        }
        defer { close(fd) }
        if !FileIO.writeAll(fd: fd, [0]) {
            if result >= 0 { close(result) }
            throw RuntimeError.system("write exec fifo", path: fifoPath)
        }
        unlink(fifoPath)
        trace.step("start \(id): exec fifo written, pid \(record.pid) goes on to execve")
        return try afterStart(record, result: result)
    }

    /// The init closes the result fifo by exec'ing (EOF here) or writes why it could not.
    func afterStart(_ record: ContainerRecord, result: Int32) throws -> [String] {
        guard result >= 0 else { return [] }
        defer {
            close(result)
            unlink(store.startResultPath(record.id))
        }
        // Opened non-blocking (a fifo's open would wait for a writer); read it blocking: a
        // fifo reads EOF once no writer is left, which is the init's execve or death.
        _ = fcntl(result, F_SETFL, 0)
        let verdict = FileIO.readAll(fd: result) ?? []
        if !verdict.isEmpty { throw RuntimeError(String(decoding: verdict, as: UTF8.self)) }
        let hooks = try loadHooks(record)
        do {
            try HookRunner.run(hooks.poststart, stage: "poststart", state: record.ociState(status: .running))
        } catch {
            return ["\(error)"]
        }
        return []
    }

    /// The hooks of a container's config, read again from its bundle.
    func loadHooks(_ record: ContainerRecord) throws -> Spec.Hooks {
        let path = record.bundle + "/config.json"
        guard let bytes = FileIO.read(path) else { throw RuntimeError(step: "read", path: path, "", errno: cshim_errno()) }
        return try Spec.parse(bytes, source: path).hooks ?? Spec.Hooks()
    }
}
