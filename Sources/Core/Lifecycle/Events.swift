import Rootless

extension Runtime {
    /// `events`: with `stats`, one stats event; otherwise a stats event every `interval` and
    /// an OOM event for each OOM kill, until the container stops. Lines go to `emit`.
    public func events(_ id: String, stats: Bool, interval: Duration, emit: (String) -> Void) throws {
        let (record, status) = try inspect(id)
        guard let record, status != .stopped, status != .creating else {
            throw RuntimeError("container is \(status.rawValue), not running")
        }
        guard let cgroup = record.cgroup else {
            throw RuntimeError("container has no cgroup, so it has no stats or OOM events")
        }
        if stats {
            emit(CgroupEventStream.statsEvent(id: id, directory: cgroup.path))
            return
        }
        try CgroupEventStream.run(id: id, directory: cgroup.path, interval: interval, isRunning: {
            let now = store.status(of: record)
            return now != .stopped
        }, emit: emit)
    }
}
