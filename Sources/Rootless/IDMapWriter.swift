import CShim
import Glibc

/// Writes a child's uid_map/gid_map directly. This is enough for real root, for uid 0 in a
/// user namespace (within the ids it owns), and for an unprivileged user mapping only itself;
/// wider ranges for an unprivileged user need newuidmap/newgidmap (setuid helpers).
public enum IDMapWriter {
    /// - Parameter denySetgroups: required by the kernel before an unprivileged process may write
    ///   gid_map; it also means the container can never call setgroups(2).
    public static func write(pid: Int32, uids: [IDMapping], gids: [IDMapping], denySetgroups: Bool) throws {
        let base = "/proc/\(pid)"
        if !FileIO.writeKnob(base + "/uid_map", uids.mapFileText) {
            throw mapError("uid_map", uids, errno: cshim_errno())
        }
        if denySetgroups && !FileIO.writeKnob(base + "/setgroups", "deny") {
            throw RuntimeError.system("write setgroups", path: base + "/setgroups")
        }
        if !FileIO.writeKnob(base + "/gid_map", gids.mapFileText) {
            throw mapError("gid_map", gids, errno: cshim_errno())
        }
    }

    static func mapError(_ file: String, _ ranges: [IDMapping], errno code: Int32) -> RuntimeError {
        let text = ranges.map { "\($0.containerID):\($0.hostID):\($0.size)" }.joined(separator: ",")
        var hint = ""
        if code == EPERM {
            hint = " (the host ids must be mapped in rsrun's own user namespace, and an unprivileged user may map only its own id)"
        }
        return RuntimeError(step: "write \(file)", "mapping \(text) refused\(hint)", errno: code)
    }
}
