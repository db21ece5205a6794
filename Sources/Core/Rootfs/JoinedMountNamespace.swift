import CShim
import Glibc
import Rootless

extension RootSwitch {
    /// In a joined mount namespace (crun's behaviour): its `/` and propagation are someone
    /// else's, so only the rootfs gets a mount of its own, with the container's propagation,
    /// which also keeps the container's mounts from spreading to the namespace's peers.
    static func prepareInJoinedNamespace(rootfs: String, propagation: UInt) throws {
        try bindOnItself(rootfs)
        if Glibc.mount(nil, rootfs, nil, propagation, nil) != 0 {
            throw RuntimeError(path: "linux.rootfsPropagation", "set propagation of \(rootfs)", errno: cshim_errno())
        }
    }

    /// pivot_root would move the root of every process in the joined namespace: chroot.
    static func chrootInJoinedNamespace(rootfs: String) throws {
        if chdir(rootfs) != 0 { throw RuntimeError(step: "chdir", path: rootfs, "", errno: cshim_errno()) }
        if chroot(".") != 0 { throw RuntimeError.system("chroot", path: rootfs) }
        if chdir("/") != 0 { throw RuntimeError.system("chdir /") }
    }
}
