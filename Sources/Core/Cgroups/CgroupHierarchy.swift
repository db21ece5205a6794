import CShim
import Glibc
import Rootless

/// Where cgroup v2 is mounted on this host and where we sit in it. A unified host mounts it at
/// /sys/fs/cgroup; a hybrid host (v1 controllers at /sys/fs/cgroup/<ctrl>, like the dev machine)
/// mounts it at /sys/fs/cgroup/unified, usually with few controllers but with the freezer,
/// cgroup.kill and device eBPF, which belong to the v2 core. rsrun drives only v2.
public struct CgroupHierarchy: Sendable, Equatable {
    public enum Layout: String, Sendable { case unified, hybrid }

    public var mountPoint: String
    public var layout: Layout
    /// Our own cgroup, from /proc/self/cgroup's "0::" line ("/" at the root of a cgroup namespace).
    public var ownCgroup: String

    public init(mountPoint: String, layout: Layout, ownCgroup: String) {
        self.mountPoint = mountPoint
        self.layout = layout
        self.ownCgroup = ownCgroup
    }

    static let cgroup2Magic = 0x6367_7270

    /// nil when no cgroup v2 is mounted where systemd and the engines expect it.
    public static func detect() -> CgroupHierarchy? {
        let own = ownCgroup(FileIO.readText("/proc/self/cgroup") ?? "") ?? "/"
        if isCgroup2("/sys/fs/cgroup") { return CgroupHierarchy(mountPoint: "/sys/fs/cgroup", layout: .unified, ownCgroup: own) }
        if isCgroup2("/sys/fs/cgroup/unified") {
            return CgroupHierarchy(mountPoint: "/sys/fs/cgroup/unified", layout: .hybrid, ownCgroup: own)
        }
        return nil
    }

    static func isCgroup2(_ path: String) -> Bool {
        var info = statfs()
        return cshim_statfs(path, &info) == 0 && Int(info.f_type) == cgroup2Magic
    }

    /// The v2 entry of a /proc/<pid>/cgroup text; a v2 path is absolute.
    public static func ownCgroup(_ procCgroup: String) -> String? {
        for line in procCgroup.split(separator: "\n") where line.hasPrefix("0::") {
            let path = String(line.dropFirst(3))
            return path.hasPrefix("/") ? path : nil
        }
        return nil
    }

    /// The directory of a cgroup given by its path in the hierarchy ("/a/b").
    public func directory(_ cgroup: String) -> String {
        cgroup == "/" ? mountPoint : mountPoint + cgroup
    }

    /// Controllers the cgroup at `directory` may hand to its children.
    public static func controllers(at directory: String) -> [String] {
        (FileIO.readText(directory + "/cgroup.controllers") ?? "").split { $0 == " " || $0 == "\n" }.map(String.init)
    }
}
