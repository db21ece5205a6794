import CShim
import Glibc
import Rootless

/// Makes the prepared rootfs the container's `/`, then applies what is expressed in
/// container paths: masked and read-only paths, a read-only root.
enum RootSwitch {
    static let recursivePrivate = UInt(MS_PRIVATE | MS_REC)
    static let recursiveSlave = UInt(MS_SLAVE | MS_REC)

    /// `propagation` is linux.rootfsPropagation. Before the rootfs is bound it goes on the whole
    /// tree, so that shared volumes keep their link to the host; unbindable waits until after
    /// pivot_root, since the rootfs and the volumes still have to be bound from it.
    static func prepare(rootfs: String, propagation: UInt) throws {
        let unbindable = propagation & UInt(MS_UNBINDABLE) != 0
        let before = unbindable ? (propagation & ~UInt(MS_UNBINDABLE)) | UInt(MS_PRIVATE) : propagation
        if Glibc.mount(nil, "/", nil, before, nil) != 0 {
            throw RuntimeError(path: "linux.rootfsPropagation", "set propagation of /", errno: cshim_errno())
        }
        // pivot_root needs the new root to be a mount point of its own.
        try bindOnItself(rootfs)
        // It also refuses a new root, or a parent of it, that is shared, which any mount can
        // still be unless the whole tree was made private or slave. A second bind over the
        // first, both made private, is a new root whose parent is private whatever the host has.
        if before != recursivePrivate && before != recursiveSlave {
            try makePrivate(rootfs)
            try bindOnItself(rootfs)
            try makePrivate(rootfs)
        }
    }

    static func bindOnItself(_ rootfs: String) throws {
        if Glibc.mount(rootfs, rootfs, nil, UInt(MS_BIND | MS_REC), nil) != 0 {
            throw RuntimeError(path: "root.path", "bind \(rootfs) on itself", errno: cshim_errno())
        }
    }

    static func makePrivate(_ rootfs: String) throws {
        if Glibc.mount(nil, rootfs, nil, UInt(MS_PRIVATE), nil) != 0 {
            throw RuntimeError(path: "linux.rootfsPropagation", "make \(rootfs) private for pivot_root", errno: cshim_errno())
        }
    }

    /// Once the container's / is its rootfs: the propagation asked for, where prepare could not
    /// leave it in place (the default rprivate and rslave are already right).
    static func finishPropagation(_ propagation: UInt) throws {
        if propagation == recursivePrivate || propagation == recursiveSlave { return }
        if Glibc.mount(nil, "/", nil, propagation, nil) != 0 {
            throw RuntimeError(path: "linux.rootfsPropagation", "set propagation of the container's /", errno: cshim_errno())
        }
    }

    /// pivot_root(".", ".") stacks the old root on top of the new one, so no put_old
    /// directory is needed inside the image; the old root is then detached from under us.
    static func pivot(rootfs: String) throws {
        let oldRoot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC)
        let newRoot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC)
        defer { close(oldRoot); close(newRoot) }
        if oldRoot < 0 || newRoot < 0 { throw RuntimeError(step: "open", path: rootfs, "", errno: cshim_errno()) }
        if fchdir(newRoot) != 0 { throw RuntimeError(step: "chdir", path: rootfs, "", errno: cshim_errno()) }
        if cshim_pivot_root(".", ".") != 0 { throw RuntimeError(step: "pivot_root", path: rootfs, "", errno: cshim_errno()) }
        if fchdir(oldRoot) != 0 { throw RuntimeError.system("chdir to old root") }
        // Stop unmount events from reaching the host before detaching.
        if Glibc.mount(nil, ".", nil, UInt(MS_SLAVE | MS_REC), nil) != 0 { throw RuntimeError.system("make old root slave") }
        if umount2(".", Int32(MNT_DETACH)) != 0 { throw RuntimeError.system("detach old root") }
        if chdir("/") != 0 { throw RuntimeError.system("chdir /") }
    }

    /// `--no-pivot`: move the rootfs over / and chroot; for file systems (ramfs) where
    /// pivot_root is impossible. Less isolated: the old root stays reachable to root.
    static func moveAndChroot(rootfs: String) throws {
        if chdir(rootfs) != 0 { throw RuntimeError(step: "chdir", path: rootfs, "", errno: cshim_errno()) }
        if Glibc.mount(rootfs, "/", nil, UInt(MS_MOVE), nil) != 0 {
            throw RuntimeError(step: "move rootfs to /", path: rootfs, "", errno: cshim_errno())
        }
        if chroot(".") != 0 { throw RuntimeError.system("chroot") }
        if chdir("/") != 0 { throw RuntimeError.system("chdir /") }
    }

    static func readonlyRoot() throws {
        if !MountExecutor.remountBind("/", UInt(MS_RDONLY)) { throw RuntimeError(path: "root.readonly", "remount / read-only", errno: cshim_errno()) }
    }

    static func applySysctl(_ entries: [(key: String, value: String)]) throws {
        for (key, value) in entries {
            // With slashes the key is already a path (and may hold dots, as in "eth0.100").
            let path = "/proc/sys/" + (key.contains("/") ? key : key.replacingDots())
            if !FileIO.writeKnob(path, value) {
                throw RuntimeError(path: "linux.sysctl.\(key)", "write \(path)", errno: cshim_errno())
            }
        }
    }
}

extension String {
    func replacingDots() -> String { String(map { $0 == "." ? "/" : $0 }) }
}
