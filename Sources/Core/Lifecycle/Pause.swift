import Glibc
import Rootless

extension Runtime {
    /// Freezes every process of the container (cgroup.freeze), or thaws them, and returns once
    /// the kernel reports it done. Under the container's lock, so that two verbs cannot
    /// interleave a freeze and a thaw.
    public func pause(_ id: String, _ frozen: Bool) throws {
        try ContainerID.validate(id)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        let record = try store.record(id)
        let status = store.status(of: record)
        guard let record, status != .stopped, status != .creating else {
            throw RuntimeError("container is \(status.rawValue), not running")
        }
        if frozen && status == .paused { throw RuntimeError("container is already paused") }
        if !frozen && status != .paused { throw RuntimeError("container is \(status.rawValue), not paused") }
        guard let cgroup = record.cgroup else {
            throw RuntimeError("container has no cgroup, and pausing needs the cgroup freezer")
        }
        try cgroup.directory.freeze(frozen)
    }
}
