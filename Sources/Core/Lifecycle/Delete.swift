import CShim
import Glibc
import Rootless

extension Runtime {
    /// Removes a container. A created one is killed (it never ran); a running one only with
    /// `force`. Holding the lock means any `create` of this id has finished or died.
    public func delete(_ id: String, force: Bool) throws {
        try ContainerID.validate(id)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        let record = try store.record(id)
        let status = record == nil ? .stopped : store.status(of: record)
        if status == .running && !force {
            throw RuntimeError("container is running; stop it first or use delete --force")
        }
        if let record, status != .stopped, let fd = pidfd(for: record) {
            defer { close(fd) }
            _ = cshim_pidfd_send_signal(fd, SIGKILL)
            if !Runtime.waitForExit(pidfd: fd, timeoutMs: 10_000) {
                throw RuntimeError("container init (pid \(record.pid)) did not exit after SIGKILL")
            }
        }
        try store.remove(id)
    }
}
