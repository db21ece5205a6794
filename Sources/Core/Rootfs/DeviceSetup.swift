import CShim
import Glibc
import Rootless

/// Fills the container's /dev: the nodes every container expects plus `linux.devices`, and the
/// standard symlinks. Only real root may mknod; anywhere else (and wherever mknod is refused)
/// each node is a bind mount of the host's own node over an empty file. Every node is made
/// through its parent directory's fd, opened inside the rootfs (ContainerRoot): a link in the
/// image cannot put a node, or a bind of one, outside it.
enum DeviceSetup {
    static let links: [(String, String)] = [
        ("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"),
        ("/proc/self/fd/1", "stdout"), ("/proc/self/fd/2", "stderr"),
    ]

    static func populate(_ plan: DevicePlan, rootfs: String) throws {
        guard plan.populate else { return }
        try ContainerRoot.requireProc()
        let root = try ContainerRoot(rootfs)
        defer { root.close() }
        for node in plan.nodes { try place(node, root: root, mknod: plan.useMknod) }
        let dev = try root.openCreating(ContainerPath("/dev"), last: .directory, field: "/dev")
        defer { close(dev) }
        for (source, name) in links where symlinkat(source, dev, name) != 0 && cshim_errno() != EEXIST {
            throw RuntimeError(step: "symlink", path: "/dev/" + name, "", errno: cshim_errno())
        }
        var info = stat()
        if fstatat(dev, "ptmx", &info, AT_SYMLINK_NOFOLLOW) != 0 && cshim_errno() == ENOENT
            && fstatat(dev, "pts", &info, 0) == 0 && info.st_mode & S_IFMT == S_IFDIR
            && symlinkat("pts/ptmx", dev, "ptmx") != 0 && cshim_errno() != EEXIST {
            throw RuntimeError(step: "symlink", path: "/dev/ptmx", "", errno: cshim_errno())
        }
    }

    /// The spec field an error about `node` names.
    static func field(_ node: DevicePlan.Node) -> String {
        node.specPath.isEmpty ? "/dev" : node.specPath + ".path"
    }

    static func place(_ node: DevicePlan.Node, root: ContainerRoot, mknod: Bool) throws {
        let path = ContainerPath(node.path)
        guard let name = path.components.last, name != ".." else {
            throw RuntimeError(path: field(node), "not a device path: \(node.path)")
        }
        let parent = try root.openCreating(path.prefix(path.components.count - 1), last: .directory, field: field(node))
        defer { close(parent) }
        // A fifo needs no privilege.
        if mknod || node.type == UInt32(S_IFIFO) {
            if makeNode(node, name, in: parent) { return try finishNode(node, name, in: parent) }
            // Refused to root too where CAP_MKNOD does not reach (a user namespace made
            // outside rsrun, a device cgroup): the host's node, bound, serves as well.
            guard cshim_errno() == EPERM && node.type != UInt32(S_IFIFO) else {
                throw RuntimeError(path: field(node), "mknod \(node.path)", errno: cshim_errno())
            }
            if !FileIO.exists(node.path) {
                throw RuntimeError(path: field(node), "mknod \(node.path) is not permitted here and the host has no \(node.path) to bind",
                                   errno: EPERM)
            }
        }
        try bindNode(node, name, in: parent)
    }

    /// mknod on the parent's fd. False with errno set when it fails.
    static func makeNode(_ node: DevicePlan.Node, _ name: String, in parent: Int32) -> Bool {
        // Whatever the image has there (a file, a node, a link) gives way; a directory stays and fails mknod.
        _ = unlinkat(parent, name, 0)
        let dev = makedev(node.major, node.minor)
        if cshim_mknodat(parent, name, mode_t(node.type | (node.mode & 0o7777)), dev) != 0 { return false }
        return true
    }

    /// The mode (mknod applies the umask: 0644 for a 0666 /dev/null) and owner, both set
    /// through an fd of the new node, never its path.
    static func finishNode(_ node: DevicePlan.Node, _ name: String, in parent: Int32) throws {
        let fd = openat(parent, name, Int32(CSHIM_O_PATH) | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 { throw RuntimeError(path: field(node), "open \(node.path)", errno: cshim_errno()) }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) != 0 || UInt32(info.st_mode & S_IFMT) != node.type {
            throw RuntimeError(path: field(node), "\(node.path) changed under us after mknod", errno: EEXIST)
        }
        if chmod(ContainerRoot.procPath(fd), mode_t(node.mode & 0o7777)) != 0 {
            throw RuntimeError(path: field(node), "chmod \(node.path)", errno: cshim_errno())
        }
        if fchownat(fd, "", node.uid, node.gid, Int32(CSHIM_AT_EMPTY_PATH)) != 0 {
            throw RuntimeError(path: field(node), "chown \(node.path)", errno: cshim_errno())
        }
    }

    /// Binds the host's node over an empty file. A link from the image at that place goes
    /// first: the bind belongs here, not wherever the link points.
    static func bindNode(_ node: DevicePlan.Node, _ name: String, in parent: Int32) throws {
        var fd = openat(parent, name, Int32(CSHIM_O_PATH) | O_NOFOLLOW | O_CLOEXEC)
        var info = stat()
        if fd >= 0 && fstat(fd, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK {
            close(fd)
            fd = -1
            _ = unlinkat(parent, name, 0)
        }
        if fd < 0 {
            if !ContainerRoot.create(name, in: parent, as: .file) && cshim_errno() != EEXIST {
                throw RuntimeError(path: field(node), "create \(node.path)", errno: cshim_errno())
            }
            fd = openat(parent, name, Int32(CSHIM_O_PATH) | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0 { throw RuntimeError(path: field(node), "open \(node.path)", errno: cshim_errno()) }
        }
        defer { close(fd) }
        if Glibc.mount(node.path, ContainerRoot.procPath(fd), nil, UInt(MS_BIND), nil) != 0 {
            throw RuntimeError(path: field(node), "bind the host's \(node.path)", errno: cshim_errno())
        }
    }

    /// glibc's makedev is a macro Swift cannot see; this is its encoding.
    static func makedev(_ major: Int64, _ minor: Int64) -> dev_t {
        let ma = UInt64(bitPattern: major), mi = UInt64(bitPattern: minor)
        return dev_t(((ma & 0xFFFF_F000) << 32) | ((ma & 0xFFF) << 8) | ((mi & 0xFFFF_FF00) << 12) | (mi & 0xFF))
    }
}
