import Rootless

/// `linux.cgroupsPath` for the cgroupfs driver, as runc reads it: an absolute path is taken
/// from the root of the hierarchy; a relative one (and the default, the container id) from the
/// parent of our own cgroup, because our own cgroup holds processes and so cannot hand
/// controllers down (cgroup v2's no-internal-processes rule).
public enum CgroupfsPath {
    /// The cgroup's path in the hierarchy ("/a/b"), checked: it names a directory below the
    /// root, never ".." out of it.
    public static func resolve(_ text: String?, id: String, ownCgroup: String) throws -> String {
        let given = text.flatMap { $0.isEmpty ? nil : $0 } ?? id
        var parts: [Substring] = []
        for part in given.split(separator: "/") where part != "." {
            if part == ".." {
                throw RuntimeError(path: "linux.cgroupsPath", "\"\(given)\" climbs with \"..\"; a cgroup path must stay inside the hierarchy")
            }
            parts.append(part)
        }
        if given.contains(":") && !given.hasPrefix("/") {
            throw RuntimeError(path: "linux.cgroupsPath", "\"\(given)\" is in the systemd form slice:prefix:name; use --systemd-cgroup for it, or give a path")
        }
        if parts.isEmpty { throw RuntimeError(path: "linux.cgroupsPath", "\"\(given)\" names the root cgroup; a container needs a cgroup of its own") }
        let base: String
        if given.hasPrefix("/") {
            base = ""
        } else {
            let parent = ownCgroup.split(separator: "/").dropLast().joined(separator: "/")
            base = parent.isEmpty ? "" : "/" + parent
        }
        return base + "/" + parts.joined(separator: "/")
    }
}
