import CShim
import Glibc
import Rootless

/// Fills the container's /dev: the nodes every container expects plus `linux.devices`, and the
/// standard symlinks. Only real root may mknod; anywhere else each node is a bind mount of
/// the host's own node over an empty file.
enum DeviceSetup {
    static let links: [(String, String)] = [
        ("/proc/self/fd", "/dev/fd"), ("/proc/self/fd/0", "/dev/stdin"),
        ("/proc/self/fd/1", "/dev/stdout"), ("/proc/self/fd/2", "/dev/stderr"),
    ]

    static func populate(_ plan: DevicePlan, rootfs: String) throws {
        guard plan.populate else { return }
        for node in plan.nodes {
            let target = try PathResolver.resolve(rootfs: rootfs, node.path)
            if !FileIO.makeDirectories(PathResolver.parent(target), mode: 0o755) {
                throw RuntimeError(path: "linux.devices", "create \(PathResolver.parent(target))", errno: cshim_errno())
            }
            if plan.useMknod {
                try makeNode(node, at: target)
            } else {
                try bindNode(node, at: target)
            }
        }
        for (source, link) in links {
            let target = try PathResolver.resolve(rootfs: rootfs, link)
            if symlink(source, target) != 0 && cshim_errno() != EEXIST {
                throw RuntimeError(step: "symlink", path: link, "", errno: cshim_errno())
            }
        }
        let ptmx = try PathResolver.resolve(rootfs: rootfs, "/dev/ptmx")
        let pts = try PathResolver.resolve(rootfs: rootfs, "/dev/pts")
        if !FileIO.exists(ptmx) && FileIO.isDirectory(pts) {
            if symlink("pts/ptmx", ptmx) != 0 && cshim_errno() != EEXIST {
                throw RuntimeError(step: "symlink", path: "/dev/ptmx", "", errno: cshim_errno())
            }
        }
    }

    static func makeNode(_ node: DevicePlan.Node, at target: String) throws {
        unlink(target)
        let dev = makedev(node.major, node.minor)
        if mknod(target, mode_t(node.type | (node.mode & 0o7777)), dev) != 0 {
            throw RuntimeError(step: "mknod", path: node.path, "", errno: cshim_errno())
        }
        // mknod applies the umask (0644 for a 0666 /dev/null): set the mode the plan asks for.
        if chmod(target, mode_t(node.mode & 0o7777)) != 0 {
            throw RuntimeError(step: "chmod", path: node.path, "", errno: cshim_errno())
        }
        if chown(target, node.uid, node.gid) != 0 {
            throw RuntimeError(step: "chown", path: node.path, "", errno: cshim_errno())
        }
    }

    static func bindNode(_ node: DevicePlan.Node, at target: String) throws {
        if !FileIO.exists(target) {
            let fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0o666)
            if fd < 0 { throw RuntimeError(step: "create", path: node.path, "", errno: cshim_errno()) }
            close(fd)
        }
        if Glibc.mount(node.path, target, nil, UInt(MS_BIND), nil) != 0 {
            throw RuntimeError(step: "bind host device", path: node.path, "", errno: cshim_errno())
        }
    }

    /// glibc's makedev is a macro Swift cannot see; this is its encoding.
    static func makedev(_ major: Int64, _ minor: Int64) -> dev_t {
        let ma = UInt64(bitPattern: major), mi = UInt64(bitPattern: minor)
        return dev_t(((ma & 0xFFFF_F000) << 32) | ((ma & 0xFFF) << 8) | ((mi & 0xFFFF_FF00) << 12) | (mi & 0xFF))
    }
}
