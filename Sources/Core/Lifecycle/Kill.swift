import CShim
import Glibc
import Rootless

extension Runtime {
    /// Signals the init, or with `all` every process of the container (`kill --all`), each
    /// through a pidfd opened after it was listed, so a pid reused meanwhile by an unrelated
    /// process cannot be hit.
    public func kill(_ id: String, signal: Int32, all: Bool = false) throws {
        let (record, status) = try inspect(id)
        // "container not running" is the phrase containerd's shim and podman match to tell
        // "already exited" (not an error for them) from a failed kill.
        guard let record, status == .created || status == .running || status == .paused else {
            throw RuntimeError("container not running (it is \(status.rawValue))")
        }
        guard let fd = pidfd(for: record) else { throw RuntimeError("container not running (it is stopped)") }
        defer { close(fd) }
        // One write kills the whole cgroup, with no listing to race against forks.
        if all, signal == SIGKILL, let cgroup = record.cgroup, try cgroup.directory.killAll() { return }
        // Listed before the init is signalled: once it dies, its children are reparented.
        let others = all ? ContainerProcesses.list(record).filter { $0 != record.pid } : []
        trace.step("kill \(id): signal \(signal) to pid \(record.pid) through its pidfd\(all ? ", then to every process of the container" : "")")
        if cshim_pidfd_send_signal(fd, signal) != 0 { throw RuntimeError.system("send signal \(signal)") }
        let hierarchy = others.isEmpty || record.cgroup == nil ? nil : CgroupHierarchy.detect()
        for pid in others {
            let other = cshim_pidfd_open(pid, 0)
            if other < 0 { continue }
            // Still ours? A process that left since the listing is not signalled.
            if ContainerProcesses.belongs(pid, to: record, hierarchy: hierarchy) { _ = cshim_pidfd_send_signal(other, signal) }
            close(other)
        }
    }
}
