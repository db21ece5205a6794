import Rootless

/// The systemd driver: the container's cgroup is a transient scope with Delegate=yes, made by
/// systemd over the system bus (root) or the user's bus (rootless), which is how an
/// unprivileged user gets a cgroup with controllers at all. systemd must be given the init's
/// pid, so the init is moved in after clone3, and makes its cgroup namespace only then.
/// libsystemd is loaded (dlopen) only when this driver is used.
public final class SystemdCgroupManager: CgroupManager {
    let hierarchy: CgroupHierarchy
    let identity: Identity
    let path: SystemdCgroupsPath?
    private var connected: Bus?

    /// `path`: the parsed cgroupsPath of a new container; nil for one that exists.
    init(hierarchy: CgroupHierarchy, identity: Identity, path: SystemdCgroupsPath?) {
        self.hierarchy = hierarchy
        self.identity = identity
        self.path = path
    }

    /// Connected once per verb, in rsrun itself (sd-bus refuses a connection used across fork).
    func bus() throws -> Bus {
        if let connected { return connected }
        let bus = identity.rootless ? try Bus.user(address: UserBus.address(environment: identity.environment)) : try Bus.system()
        connected = bus
        return bus
    }

    public func prepare(_ request: CgroupRequest) throws -> CgroupPlacement {
        guard let path else { throw RuntimeError("systemd driver used without a cgroupsPath") }
        if path.isSlice { throw RuntimeError(path: SystemdCgroupsPath.field, "\(path.unit) is a slice; a container needs a scope (slice:prefix:name)") }
        _ = try bus()
        if identity.rootless {
            try SystemdHost.checkDelegation(uid: identity.sessionUID, controllers: SystemdHost.userManagerControllers(uid: identity.sessionUID, cgroupRoot: hierarchy.mountPoint),
                                            needed: request.writes.controllers)
        }
        var placement = CgroupPlacement()
        placement.needsAttach = true
        return placement
    }

    public func attach(_ placement: CgroupPlacement, pid: Int32, request: CgroupRequest) throws -> CgroupLocation? {
        guard let path else { return nil }
        let bus = try bus()
        let properties = try SystemdProperties.from(request.resources, systemdVersion: SystemdScope.version(bus: bus))
        try SystemdScope.start(unit: path.unit, slice: path.slice, pid: pid, properties: properties, bus: bus,
                               description: "rsrun container \(request.id)")
        let location = CgroupLocation(driver: .systemd, path: try SystemdScope.cgroupPath(of: pid, mount: hierarchy.mountPoint), unit: path.unit)
        do {
            // Exactly what cgroupfs would write, unified keys included: the unit properties
            // cover only what systemd knows of.
            for write in request.writes.writes { try location.directory.write(write) }
        } catch {
            try? destroy(location)
            throw error
        }
        return location
    }

    public func update(_ location: CgroupLocation, resources: Spec.Resources, writes: CgroupResourcePlan, devices: [Spec.Resources.DeviceRule]?) throws {
        let bus = try bus()
        if let unit = location.unit {
            // Kept by systemd too, so that a daemon-reload does not put the old values back.
            try SystemdScope.setProperties(unit: unit, properties: try SystemdProperties.from(resources, systemdVersion: SystemdScope.version(bus: bus)), bus: bus)
        }
        for write in writes.writes { try location.directory.write(write) }
        if let devices { try DeviceProgram.install(rules: devices, cgroupDirectory: location.path) }
    }

    /// What is left is killed first (systemd would send SIGTERM and wait), then the unit is
    /// stopped and its failed state reset, so that its name is free for the next container.
    public func destroy(_ location: CgroupLocation) throws {
        let directory = location.directory
        try directory.killRemaining()
        guard let unit = location.unit else { return }
        do {
            try SystemdScope.stop(unit: unit, bus: try bus())
        } catch {
            // An empty scope is stopped by systemd on its own; only a cgroup still there is a failure.
            if directory.exists { throw error }
        }
    }
}
