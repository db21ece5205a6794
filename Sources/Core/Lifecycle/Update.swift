import Glibc
import Rootless

extension Runtime {
    /// New limits for a created, running or paused container: only the fields given change.
    /// Values that cgroup v2 derives from two fields (memory+swap, quota with period) take the
    /// one not given from the live cgroup. A document that changes nothing is no change, as
    /// with runc (the CLI refuses a command line without any flag).
    public func update(_ id: String, _ resources: Spec.Resources) throws {
        try ContainerID.validate(id)
        let lock = try store.lock(id)
        defer { withExtendedLifetime(lock) {} }
        let record = try store.record(id)
        let status = store.status(of: record)
        guard let record, status == .created || status == .running || status == .paused else {
            throw RuntimeError("container is \(status.rawValue), not running")
        }
        guard let cgroup = record.cgroup else {
            throw RuntimeError("container has no cgroup, so its limits cannot change")
        }
        let directory = cgroup.directory
        var r = resources
        if var memory = r.memory, memory.swap != nil, memory.limit == nil {
            memory.limit = directory.read("memory.max").flatMap { $0 == "max" ? -1 : Int64($0) }
            r.memory = memory
        }
        if var cpu = r.cpu, cpu.period != nil, cpu.quota == nil {
            cpu.quota = directory.read("cpu.max").flatMap { $0.split(separator: " ").first }.flatMap { $0 == "max" ? -1 : Int64($0) }
            r.cpu = cpu
        }
        let writes = try CgroupResourcePlan.compile(r)
        let devices = identity.holdsHostCapabilities && !r.devices.isEmpty ? r.devices : nil
        // An empty document is no change, as with runc: the containerd shim sends whatever
        // its caller gave.
        if writes.writes.isEmpty && devices == nil && writes.notes.isEmpty { return }
        try CgroupManagers.existing(cgroup, identity: identity).update(cgroup, resources: r, writes: writes, devices: devices)
    }
}
