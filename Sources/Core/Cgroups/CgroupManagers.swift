import Glibc
import Rootless

/// The manager table: which cgroup driver a verb uses, decided once from who we are, the
/// host's hierarchy and `--systemd-cgroup`.
public enum CgroupManagers {
    /// The driver for a new container.
    public static func choose(identity: Identity, systemd: Bool, hierarchy: CgroupHierarchy?, request: CgroupRequest) throws -> any CgroupManager {
        if systemd {
            throw RuntimeError(path: "--systemd-cgroup", "the systemd cgroup driver is not available in this build yet")
        }
        guard let hierarchy else {
            return DisabledCgroupManager(reason: "no cgroup v2 is mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified")
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
        case .cgroupfs, .systemd: return CgroupfsManager(hierarchy: hierarchy)
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
