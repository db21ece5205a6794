import CShim
import Glibc
import Rootless

/// What every verb needs, decided once at start-up: who we are and where state lives.
public struct Runtime {
    public let identity: Identity
    public let store: StateStore
    /// `--systemd-cgroup`: new containers get a systemd scope.
    public var systemdCgroup = false
    /// `--debug`: each step of the verb, as it is taken.
    public var trace = StepTrace()

    public init(identity: Identity, store: StateStore, systemdCgroup: Bool = false) {
        self.identity = identity
        self.store = store
        self.systemdCgroup = systemdCgroup
    }

    /// A container's record and its live status, read without a lock.
    public func inspect(_ id: String) throws -> (record: ContainerRecord?, status: ContainerStatus) {
        try ContainerID.validate(id)
        let record = try store.record(id)
        return (record, store.status(of: record))
    }

    /// Opens a pidfd for the container's init, checking it is still the process we started:
    /// from then on signals cannot hit a process that reused the pid.
    func pidfd(for record: ContainerRecord) -> Int32? {
        let fd = cshim_pidfd_open(record.pid, 0)
        if fd < 0 { return nil }
        if !ProcessProbe.isRunning(pid: record.pid, startTime: record.startTime) {
            close(fd)
            return nil
        }
        return fd
    }

    /// Waits until the process behind `pidfd` has exited (it may not be our child).
    static func waitForExit(pidfd: Int32, timeoutMs: Int32) -> Bool {
        var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)]
        var left = timeoutMs
        while true {
            let start = Clock.monotonicMs()
            let n = poll(&fds, 1, left)
            if n > 0 { return true }
            if n == 0 { return false }
            if cshim_errno() != EINTR { return false }
            left -= Int32(Clock.monotonicMs() - start)
            if left <= 0 { return false }
        }
    }
}

extension Clock {
    static func monotonicMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
