import Glibc
import Rootless

/// A container's cgroup as a transient systemd unit (normally a scope): systemd creates the
/// cgroup, moves the init into it and, with Delegate=yes, leaves the inside to us. Every call
/// that queues a job waits for the job's end, so that when `start` returns the process is in
/// its cgroup and the limits are in place.
public enum SystemdScope {
    /// How long a start or stop job may take. Scopes start without running anything, so this
    /// only expires when systemd is stuck; the bound keeps `rsrun create` from hanging forever.
    public static let defaultTimeoutUSec: UInt64 = 10_000_000

    static let unitExists = "org.freedesktop.systemd1.UnitExists"
    static let noSuchUnit = "org.freedesktop.systemd1.NoSuchUnit"

    /// Everything StartTransientUnit gets: runc's fixed properties, then the resources'.
    /// Accounting is on for every controller whatever the limits, as runc does, so that stats
    /// work and a later `rsrun update` can add a limit to a controller already enabled.
    public static func unitProperties(unit: String, slice: String, pid: Int32, description: String,
                                      resources: [SystemdProperty]) -> [SystemdProperty] {
        var props: [SystemdProperty] = [.init("Description", .string(description))]
        let isSlice = unit.hasSuffix(".slice")
        // A slice is placed by its name; Wants= only orders it after its parent.
        props.append(.init(isSlice ? "Wants" : "Slice", .string(slice)))
        if pid > 0 { props.append(.init("PIDs", .uint32s([UInt32(pid)]))) }
        // Delegation is for scopes and services; slices cannot be delegated.
        if !isSlice { props.append(.init("Delegate", .bool(true))) }
        for accounting in ["MemoryAccounting", "CPUAccounting", "IOAccounting", "TasksAccounting"] {
            props.append(.init(accounting, .bool(true)))
        }
        // No implicit Conflicts=/Before= shutdown.target: the container's lifetime is ours.
        props.append(.init("DefaultDependencies", .bool(false)))
        return props + resources
    }

    /// Creates `unit` in `slice` with `pid` in it and waits until systemd has done so.
    /// `properties` are the resource properties (SystemdProperties.from).
    public static func start(unit: String, slice: String, pid: Int32, properties: [SystemdProperty], bus: Bus,
                             description: String? = nil, timeoutUSec: UInt64 = defaultTimeoutUSec) throws {
        let all = unitProperties(unit: unit, slice: slice, pid: pid, description: description ?? "rsrun container \(unit)",
                                 resources: properties)
        try bus.watchJobs()
        let job: String
        do {
            job = try startTransient(unit, all, bus)
        } catch let error as BusCallError where error.name == unitExists {
            // As runc does: most often a failed unit of the same name that systemd keeps until
            // reset; resetting it lets systemd drop it, and one more try tells whether it was.
            _ = try? resetFailed(unit, bus)
            do {
                job = try startTransient(unit, all, bus)
            } catch let again as BusCallError where again.name == unitExists {
                throw RuntimeError(step: "systemd cgroup driver", "the unit \(unit) already exists on \(bus.name) and is active: "
                    + "another container uses this linux.cgroupsPath, or a leftover one (systemctl\(bus.isUser ? " --user" : "") stop \(unit))")
            } catch let again as BusCallError {
                throw again.runtimeError("starting \(unit) on \(bus.name)")
            }
        } catch let error as BusCallError {
            throw error.runtimeError("starting \(unit) on \(bus.name)")
        }
        guard let result = try bus.waitForJob(job, timeoutUSec: timeoutUSec) else {
            _ = try? resetFailed(unit, bus)
            throw RuntimeError(step: "systemd cgroup driver",
                               "systemd did not start \(unit) within \(timeoutUSec / 1_000_000) s (job \(job))")
        }
        guard result == "done" else {
            _ = try? resetFailed(unit, bus)
            throw RuntimeError(step: "systemd cgroup driver", "systemd's job starting \(unit) ended with result \"\(result)\"; "
                + "see journalctl\(bus.isUser ? " --user" : "") -u \(unit)")
        }
    }

    /// StartTransientUnit(name, mode, properties, aux) → job. "replace", as runc: a pending
    /// job for the same unit (a stop still running) is replaced instead of failing the start.
    static func startTransient(_ unit: String, _ properties: [SystemdProperty], _ bus: Bus) throws -> String {
        let message = try bus.methodCall("StartTransientUnit")
        try message.append(unit)
        try message.append("replace")
        try message.append(properties: properties)
        try message.open("a", "(sa(sv))")
        try message.close()
        return try bus.call(message).readString("o")
    }

    /// Stops `unit` (systemd kills what is left in it), waits for that, and resets it if it
    /// failed so that its name is free again. A unit already gone is not an error.
    public static func stop(unit: String, bus: Bus, timeoutUSec: UInt64 = defaultTimeoutUSec) throws {
        try bus.watchJobs()
        var job: String?
        do {
            let message = try bus.methodCall("StopUnit")
            try message.append(unit)
            try message.append("replace")
            job = try bus.call(message).readString("o")
        } catch let error as BusCallError where error.name == noSuchUnit {
            job = nil
        } catch let error as BusCallError {
            throw error.runtimeError("stopping \(unit) on \(bus.name)")
        }
        if let job, try bus.waitForJob(job, timeoutUSec: timeoutUSec) == nil {
            throw RuntimeError(step: "systemd cgroup driver",
                               "systemd did not stop \(unit) within \(timeoutUSec / 1_000_000) s (job \(job))")
        }
        // Like runc, a stop job that ended otherwise than "done" is not reported: whatever
        // state the unit is in, resetting it is what lets systemd forget it.
        do {
            try resetFailed(unit, bus)
        } catch let error as BusCallError where error.name == noSuchUnit {
            return
        } catch let error as BusCallError {
            throw error.runtimeError("resetting \(unit) on \(bus.name)")
        }
    }

    /// `rsrun update`: the new limits as runtime properties (gone at reboot, like the unit).
    public static func setProperties(unit: String, properties: [SystemdProperty], bus: Bus) throws {
        guard !properties.isEmpty else { return }
        do {
            let message = try bus.methodCall("SetUnitProperties")
            try message.append(unit)
            try message.append(true)
            try message.append(properties: properties)
            _ = try bus.call(message)
        } catch let error as BusCallError {
            throw error.runtimeError("setting properties of \(unit) on \(bus.name)")
        }
    }

    static func resetFailed(_ unit: String, _ bus: Bus) throws {
        let message = try bus.methodCall("ResetFailedUnit")
        try message.append(unit)
        _ = try bus.call(message)
    }

    /// systemd's version from Manager.Version ("252.22-1~deb12u1" → 252), nil if unreadable:
    /// which properties it accepts depends on it (SystemdProperties.from).
    public static func version(bus: Bus) -> Int? {
        (try? bus.managerProperty("Version")).flatMap(parseVersion)
    }

    static func parseVersion(_ text: String) -> Int? {
        let digits = text.drop { $0 == "\"" || $0 == "v" }.prefix { $0.isASCII && $0.isNumber }
        return Int(digits)
    }

    /// The cgroup directory `pid` is in, from its /proc/<pid>/cgroup: where systemd put the scope.
    /// Asking the kernel instead of computing it from the slice covers a user's systemd (whose
    /// units live under user@UID.service) and slices named oddly alike.
    public static func cgroupPath(of pid: Int32, mount: String = "/sys/fs/cgroup") throws -> String {
        let file = "/proc/\(pid)/cgroup"
        guard let text = FileIO.readText(file) else { throw RuntimeError.system("read", path: file) }
        guard let path = cgroupPath(procCgroup: text, mount: mount) else {
            throw RuntimeError(step: "systemd cgroup driver", path: file, "no cgroup v2 (0::) line; the systemd driver needs cgroup v2")
        }
        return path
    }

    static func cgroupPath(procCgroup text: String, mount: String) -> String? {
        CgroupHierarchy.ownCgroup(text).map { $0 == "/" ? mount : mount + $0 }
    }
}
