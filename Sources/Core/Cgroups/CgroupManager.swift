import Rootless

public enum CgroupDriver: String, Sendable {
    case cgroupfs, systemd
}

/// Where a container's cgroup is: stored in its state so that later verbs find it without
/// asking the driver again.
public struct CgroupLocation: Sendable, Equatable {
    public var driver: CgroupDriver
    /// The cgroup v2 directory.
    public var path: String
    /// The systemd scope holding it (systemd driver only).
    public var unit: String?
    /// The outermost parent directory create made above `path` (cgroupfs only, e.g. the
    /// `/<namespace>` of containerd's `/<namespace>/<id>`): delete removes those parents again
    /// while they are empty. nil when the parent already existed.
    public var madeFrom: String?

    public init(driver: CgroupDriver, path: String, unit: String? = nil, madeFrom: String? = nil) {
        self.driver = driver
        self.path = path
        self.unit = unit
        self.madeFrom = madeFrom
    }

    public var directory: CgroupDirectory { CgroupDirectory(path: path) }
}

/// What `create` asks of the cgroup layer, compiled from the spec before anything is made.
public struct CgroupRequest: Sendable {
    public var id: String
    /// `linux.cgroupsPath`, as given.
    public var path: String?
    public var resources: Spec.Resources
    public var writes: CgroupResourcePlan
    /// The device rules to enforce with an eBPF program; nil when we cannot (rootless).
    public var devices: [Spec.Resources.DeviceRule]?

    public init(id: String, path: String?, resources: Spec.Resources, writes: CgroupResourcePlan,
                devices: [Spec.Resources.DeviceRule]?) {
        self.id = id
        self.path = path
        self.resources = resources
        self.writes = writes
        self.devices = devices
    }

    /// Whether the container asks for anything a cgroup must enforce.
    public var asksForLimits: Bool { !writes.writes.isEmpty }
}

/// How the init gets into its cgroup.
public struct CgroupPlacement {
    /// Known before clone3 for cgroupfs; a systemd scope's is known once it holds the init.
    public var location: CgroupLocation?
    /// An O_PATH fd of the directory for clone3's CLONE_INTO_CGROUP; -1 when the init is moved
    /// in after clone3 (by `attach`).
    public var directoryFD: Int32 = -1
    /// Said once on stderr: why the container runs without a cgroup.
    public var warning: String?

    public init(location: CgroupLocation? = nil, directoryFD: Int32 = -1, warning: String? = nil) {
        self.location = location
        self.directoryFD = directoryFD
        self.warning = warning
    }

    /// The init must be moved after clone3, so it enters its cgroup namespace only then.
    public var placedAfterClone: Bool { directoryFD < 0 && needsAttach }
    public var needsAttach = false
}

/// One cgroup driver (crun's manager table): cgroupfs v2, systemd, or disabled. Chosen once
/// per verb by `CgroupManagers`; everything after creation that is the same for every driver
/// (freeze, kill, stats, processes) lives on `CgroupDirectory`.
public protocol CgroupManager {
    /// Before clone3: make the cgroup and apply the limits where the driver can.
    func prepare(_ request: CgroupRequest) throws -> CgroupPlacement
    /// After clone3, while the init waits: move it in if clone3 did not, apply what needed
    /// it there. Returns where the cgroup is (nil: none).
    func attach(_ placement: CgroupPlacement, pid: Int32, request: CgroupRequest) throws -> CgroupLocation?
    /// `update`: new limits for a running container.
    func update(_ location: CgroupLocation, resources: Spec.Resources, writes: CgroupResourcePlan, devices: [Spec.Resources.DeviceRule]?) throws
    /// Removes the cgroup (the processes are killed first if any are left).
    func destroy(_ location: CgroupLocation) throws
}

extension CgroupManager {
    /// After a failed create: best effort, the original error is what the user sees.
    public func abandon(_ placement: CgroupPlacement) {
        if let location = placement.location { try? destroy(location) }
    }
}

/// No cgroup: a rootless container without delegation. It runs, with one warning, as crun
/// does, unless it asks for limits: then it must fail, not run unlimited.
public struct DisabledCgroupManager: CgroupManager {
    /// Why there is no cgroup, and how to get one.
    public let reason: String

    public init(reason: String) { self.reason = reason }

    public func prepare(_ request: CgroupRequest) throws -> CgroupPlacement {
        if let write = request.writes.writes.first {
            throw RuntimeError(path: write.field, "needs a cgroup, and this container gets none: \(reason)")
        }
        if let path = request.path, !path.isEmpty {
            throw RuntimeError(path: "linux.cgroupsPath", "\"\(path)\" cannot be made: \(reason)")
        }
        return CgroupPlacement(warning: "running without a cgroup (no limits, no pause, no stats): \(reason)")
    }

    public func attach(_ placement: CgroupPlacement, pid: Int32, request: CgroupRequest) throws -> CgroupLocation? { nil }

    public func update(_ location: CgroupLocation, resources: Spec.Resources, writes: CgroupResourcePlan, devices: [Spec.Resources.DeviceRule]?) throws {
        throw RuntimeError("the container has no cgroup: \(reason)")
    }

    public func destroy(_ location: CgroupLocation) throws {}
}
