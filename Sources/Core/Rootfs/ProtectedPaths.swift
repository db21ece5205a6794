import CShim
import Glibc
import Rootless

/// `linux.maskedPaths` and `linux.readonlyPaths`, applied after the root switch. Each path is
/// opened inside the new root (ContainerRoot on "/") and the mount attached onto that fd with
/// move_mount, so nothing depends on the container having a /proc to reach the fd through,
/// and no magic link in the image (/proc/<pid>/root) leads a mask elsewhere.
extension RootSwitch {
    /// A masked file gets /dev/null over it, a masked directory an empty read-only tmpfs.
    static func mask(_ paths: [String]) throws {
        if paths.isEmpty { return }
        let root = try ContainerRoot("/")
        defer { root.close() }
        var null: Int32 = -1
        defer { if null >= 0 { close(null) } }
        for (i, path) in paths.enumerated() {
            let field = "linux.maskedPaths[\(i)]"
            guard let target = try openExisting(path, root: root, field: field) else { continue }
            defer { close(target) }
            var info = stat()
            if fstat(target, &info) != 0 { throw RuntimeError(path: field, "stat \(path)", errno: cshim_errno()) }
            let mount: Int32
            if info.st_mode & S_IFMT == S_IFDIR {
                mount = emptyReadonlyTmpfs()
            } else {
                if null < 0 { null = try openNull(root, field: field) }
                mount = cshim_open_tree(null, "", CSHIM_OPEN_TREE_CLONE | UInt32(O_CLOEXEC) | UInt32(CSHIM_AT_EMPTY_PATH))
            }
            if mount < 0 { throw RuntimeError(path: field, "mask \(path)", errno: cshim_errno()) }
            defer { close(mount) }
            if !ContainerRoot.attach(mount, onto: target) { throw RuntimeError(path: field, "mask \(path)", errno: cshim_errno()) }
        }
    }

    /// A bind of the path on itself, read-only at its top (mounts below keep their flags).
    static func makeReadonly(_ paths: [String]) throws {
        if paths.isEmpty { return }
        let root = try ContainerRoot("/")
        defer { root.close() }
        for (i, path) in paths.enumerated() {
            let field = "linux.readonlyPaths[\(i)]"
            guard let target = try openExisting(path, root: root, field: field) else { continue }
            defer { close(target) }
            let tree = cshim_open_tree(target, "", CSHIM_OPEN_TREE_CLONE | UInt32(O_CLOEXEC) | UInt32(CSHIM_AT_RECURSIVE | CSHIM_AT_EMPTY_PATH))
            if tree < 0 { throw RuntimeError(path: field, "make \(path) read-only", errno: cshim_errno()) }
            defer { close(tree) }
            var attr = cshim_mount_attr(attr_set: MountAttribute.readonly, attr_clr: 0, propagation: 0, userns_fd: 0)
            if cshim_mount_setattr(tree, "", UInt32(CSHIM_AT_EMPTY_PATH), &attr) != 0 || !ContainerRoot.attach(tree, onto: target) {
                throw RuntimeError(path: field, "make \(path) read-only", errno: cshim_errno())
            }
        }
    }

    /// The path opened inside the root, or nil when there is nothing to protect there.
    static func openExisting(_ path: String, root: ContainerRoot, field: String) throws -> Int32? {
        let fd = root.open(ContainerPath(path))
        if fd >= 0 { return fd }
        let code = cshim_errno()
        if code == ENOENT || code == ENOTDIR { return nil }
        throw RuntimeError(path: field, "cannot resolve \(path) inside the container", errno: code)
    }

    /// The container's /dev/null, checked to be the null device: an image's /dev/null could
    /// be a file or a link to one, which the mask would then expose in place of hiding.
    static func openNull(_ root: ContainerRoot, field: String) throws -> Int32 {
        let fd = root.open(ContainerPath("/dev/null"))
        if fd < 0 { throw RuntimeError(path: field, "open /dev/null to mask with", errno: cshim_errno()) }
        var info = stat()
        if fstat(fd, &info) != 0 || info.st_mode & S_IFMT != S_IFCHR || info.st_rdev != DeviceSetup.makedev(1, 3) {
            close(fd)
            throw RuntimeError(path: field, "/dev/null in the container is not the null device (1:3)")
        }
        return fd
    }

    /// A new tmpfs, its superblock and its mount read-only, not yet attached; -1 on failure.
    static func emptyReadonlyTmpfs() -> Int32 {
        let fs = cshim_fsopen("tmpfs", CSHIM_FSOPEN_CLOEXEC)
        if fs < 0 { return -1 }
        defer { close(fs) }
        if cshim_fsconfig(fs, CSHIM_FSCONFIG_SET_STRING, "source", "tmpfs", 0) != 0
            || cshim_fsconfig(fs, CSHIM_FSCONFIG_SET_FLAG, "ro", nil, 0) != 0
            || cshim_fsconfig(fs, CSHIM_FSCONFIG_CMD_CREATE, nil, nil, 0) != 0 {
            return -1
        }
        return cshim_fsmount(fs, CSHIM_FSMOUNT_CLOEXEC, UInt32(MountAttribute.readonly))
    }
}
