import CShim
import Glibc
import Rootless

extension Runtime {
    /// Lets a created container's init exec the process: one byte into the exec fifo.
    public func start(_ id: String) throws {
        try ContainerID.validate(id)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        let status = store.status(of: try store.record(id))
        guard status == .created else {
            throw RuntimeError("cannot start a container that is \(status.rawValue)")
        }
        let fifoPath = store.fifoPath(id)
        let fd = open(fifoPath, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 {
            // ENXIO: nobody holds the read end, the init is gone.
            throw RuntimeError(step: "open exec fifo", path: fifoPath, "", errno: cshim_errno())
        }
        defer { close(fd) }
        if !FileIO.writeAll(fd: fd, [0]) { throw RuntimeError.system("write exec fifo", path: fifoPath) }
        unlink(fifoPath)
    }
}
