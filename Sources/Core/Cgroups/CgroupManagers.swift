import Glibc
import Rootless

/// The manager table: which cgroup driver a verb uses, decided once from who we are, the
/// host's hierarchy and `--systemd-cgroup`.
public enum CgroupManagers {
    /// What the drivers below can run, for `rsrun features`: cgroup v2 only (a host with v1
    /// alone gets DisabledCgroupManager), cgroupfs and systemd, the system instance and, for
    /// a rootless caller, the user's; RDMA limits are rdma.max (CgroupResourcePlan).
    static let support = (v1: false, v2: true, systemd: true, systemdUser: true, rdma: true)

    /// The driver for a new container.
    public static func choose(identity: Identity, systemd: Bool, hierarchy: CgroupHierarchy?, request: CgroupRequest) throws -> any CgroupManager {
        if systemd {
            // Parsed first: a malformed slice:prefix:name is bad input, whatever the host.
            let path = try SystemdCgroupsPath.parse(request.path, id: request.id, rootless: identity.rootless)
            try SystemdHost.requireBooted(SystemdHost.isBooted())
            guard let hierarchy else { throw RuntimeError(path: "--systemd-cgroup", "the systemd driver needs cgroup v2, and none is mounted") }
            return SystemdCgroupManager(hierarchy: hierarchy, identity: identity, path: path)
        }
        guard let hierarchy else {
            return DisabledCgroupManager(reason: "no cgroup v2 is mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified")
        }
        // Rootless on a systemd host with a user bus: the user's systemd hands out delegated
        // scopes, the one way an unprivileged user gets controllers. A cgroupfs-style
        // cgroupsPath means the caller manages cgroups itself.
        if identity.rootless, hierarchy.layout == .unified, SystemdHost.isBooted(),
           case .found = UserBus.locate(environment: identity.environment),
           (request.path ?? "").isEmpty || (request.path ?? "").contains(":") {
            let path = try SystemdCgroupsPath.parse(request.path, id: request.id, rootless: true)
            return SystemdCgroupManager(hierarchy: hierarchy, identity: identity, path: path)
        }
        let manager = CgroupfsManager(hierarchy: hierarchy)
        if identity.cgroupsWritable { return manager }
        // Rootless: a cgroup only where one was delegated to us (an engine's, a systemd scope's).
        let cgroup = try CgroupfsPath.resolve(request.path, id: request.id, ownCgroup: hierarchy.ownCgroup)
        let base = nearestExisting(hierarchy.directory(cgroup))
        if access(base, W_OK) == 0 { return manager }
        return DisabledCgroupManager(reason: "\(base) is not writable by this user (no cgroup is delegated to it); "
            + "run in a systemd user session with delegation, or in a cgroup delegated to you (docs/rootless.md)")
    }

    /// The driver that made an existing container's cgroup.
    public static func existing(_ location: CgroupLocation?, identity: Identity) -> any CgroupManager {
        guard let location, let hierarchy = CgroupHierarchy.detect() else {
            return DisabledCgroupManager(reason: "it was created without one")
        }
        switch location.driver {
        case .cgroupfs: return CgroupfsManager(hierarchy: hierarchy)
        case .systemd: return SystemdCgroupManager(hierarchy: hierarchy, identity: identity, path: nil)
        }
    }

    static func nearestExisting(_ path: String) -> String {
        var dir = path
        while !FileIO.isDirectory(dir), let slash = dir.lastIndex(of: "/"), slash != dir.startIndex {
            dir = String(dir[..<slash])
        }
        return dir
    }
}
