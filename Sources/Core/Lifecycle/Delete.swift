import CShim
import Glibc
import Rootless

extension Runtime {
    /// Removes a container. A created one is killed (it never ran); a running one only with
    /// `force`. Holding the lock means any `create` of this id has finished or died. Returns
    /// warnings: a failed poststop hook is reported, and the delete still completes.
    public func delete(_ id: String, force: Bool) throws -> [String] {
        try ContainerID.validate(id)
        // runc's contract, which engines rely on: a forced delete of a container that is gone
        // succeeds. podman cleans up after a failed create that way, and the containerd shim
        // (docker, ctr) runs `delete --force` again after the engine has deleted a container.
        if force && !FileIO.isDirectory(store.directory(id)) { return [] }
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        let record = try store.record(id)
        let status = record == nil ? .stopped : store.status(of: record)
        if (status == .running || status == .paused) && !force {
            throw RuntimeError("container is \(status.rawValue); stop it first or use delete --force")
        }
        if let record, status != .stopped, let fd = pidfd(for: record) {
            defer { close(fd) }
            trace.step("delete \(id): SIGKILL to pid \(record.pid), waiting on its pidfd")
            _ = cshim_pidfd_send_signal(fd, SIGKILL)
            if !Runtime.waitForExit(pidfd: fd, timeoutMs: 10_000) {
                throw RuntimeError("container init (pid \(record.pid)) did not exit after SIGKILL")
            }
        }
        return try remove(id, record: record)
    }

    /// Removes the cgroup (killing what is left in it: without a pid namespace the init's
    /// death does not take its children along) and the state, then runs poststop hooks.
    func remove(_ id: String, record: ContainerRecord?) throws -> [String] {
        if let location = record?.cgroup {
            try CgroupManagers.existing(location, identity: identity).destroy(location)
        }
        trace.step("cgroup \(record?.cgroup?.path ?? "none") removed")
        let poststop = FileIO.exists(store.poststopMarkerPath(id))
        try store.remove(id)
        trace.step("state directory removed")
        guard poststop, let record else { return [] }
        do {
            try HookRunner.run(try loadHooks(record).poststop, stage: "poststop", state: record.ociState(status: .stopped))
        } catch {
            return ["\(error)"]
        }
        return []
    }
}
