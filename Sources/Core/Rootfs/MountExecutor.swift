import CShim
import Glibc
import Rootless

/// Performs the planned `mounts[]` inside the container's mount namespace, before pivot_root.
enum MountExecutor {
    /// Flags a bind mount takes only through a second, remounting call.
    static let remountable = UInt(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME
        | MS_RELATIME | MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK | MS_LAZYTIME)

    /// `cgroupDirectory`: the container's cgroup on the host, bound when cgroup2 cannot be mounted.
    static func mountAll(_ steps: [MountStep], rootfs: String, cgroupDirectory: String? = nil) throws {
        for step in steps { try mount(step, rootfs: rootfs, cgroupDirectory: cgroupDirectory) }
    }

    static func mount(_ step: MountStep, rootfs: String, cgroupDirectory: String? = nil) throws {
        let target = try PathResolver.resolve(rootfs: rootfs, step.destination)
        try makeMountpoint(target, forFile: step.kind == .bind && !FileIO.isDirectory(step.source), step: step)
        switch step.kind {
        case .bind where step.idmap != nil:
            try IDMappedMount.bind(step, at: target)
        case .bind:
            try bind(step.source, target, flags: step.flags, step: step)
        case .sysfs where step.fallbackToHostBind:
            if call(step.source, target, step.fsType, step.flags, step.data) != 0 {
                try bind("/sys", target, flags: step.flags | UInt(MS_REC), step: step)
            }
        case .cgroup:
            // cgroup2 needs a cgroup namespace we own (and some kernels refuse it to a user
            // namespace even then): else show the container's own cgroup, as crun does, or
            // without one the host's tree, read-only.
            if call("cgroup2", target, "cgroup2", step.flags, "") != 0 {
                try bind(cgroupDirectory ?? "/sys/fs/cgroup", target, flags: step.flags | UInt(MS_REC), step: step)
            }
        default:
            if call(step.source, target, step.fsType, step.flags, step.data) != 0 {
                throw failure(step, "mount \(step.fsType)")
            }
        }
        for propagation in step.propagation where Glibc.mount(nil, target, nil, propagation, nil) != 0 {
            throw failure(step, "set propagation")
        }
        if step.recursiveReadonly {
            var attr = cshim_mount_attr(attr_set: CSHIM_MOUNT_ATTR_RDONLY, attr_clr: 0, propagation: 0, userns_fd: 0)
            if cshim_mount_setattr(AT_FDCWD, target, UInt32(CSHIM_AT_RECURSIVE), &attr) != 0 {
                throw failure(step, "make read-only recursively (rro)")
            }
        }
    }

    /// bind, then remount for the flags a bind ignores.
    static func bind(_ source: String, _ target: String, flags: UInt, step: MountStep) throws {
        if Glibc.mount(source, target, nil, UInt(MS_BIND) | (flags & UInt(MS_REC)), nil) != 0 {
            throw failure(step, "bind \(source)")
        }
        let wanted = flags & remountable
        if wanted == 0 { return }
        if !remountBind(target, wanted) { throw failure(step, "remount \(target)") }
    }

    /// Remounts a bind mount with `flags`. In a user namespace the kernel refuses to clear
    /// flags the source mount has locked (nosuid, nodev, ...): on EPERM, retry keeping them.
    static func remountBind(_ target: String, _ flags: UInt) -> Bool {
        let remount = UInt(MS_BIND | MS_REMOUNT) | flags
        if Glibc.mount(nil, target, nil, remount, nil) == 0 { return true }
        return cshim_errno() == EPERM && Glibc.mount(nil, target, nil, remount | lockedFlags(target), nil) == 0
    }

    static func lockedFlags(_ path: String) -> UInt {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return 0 }
        // statvfs ST_* bits (GNU values, hidden from Swift) and the mount flags they lock.
        let pairs: [(UInt, Int)] = [
            (1, MS_RDONLY), (2, MS_NOSUID), (4, MS_NODEV), (8, MS_NOEXEC),
            (1024, MS_NOATIME), (2048, MS_NODIRATIME), (4096, MS_RELATIME),
        ]
        return pairs.reduce(0) { st.f_flag & $1.0 != 0 ? $0 | UInt($1.1) : $0 }
    }

    static func call(_ source: String, _ target: String, _ type: String, _ flags: UInt, _ data: String) -> Int32 {
        data.isEmpty ? Glibc.mount(source, target, type, flags, nil) : Glibc.mount(source, target, type, flags, data)
    }

    static func makeMountpoint(_ target: String, forFile: Bool, step: MountStep) throws {
        if FileIO.exists(target) { return }
        let dir = forFile ? PathResolver.parent(target) : target
        if !FileIO.makeDirectories(dir, mode: 0o755) { throw failure(step, "create mount point \(dir)") }
        if forFile {
            let fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            if fd < 0 { throw failure(step, "create mount point \(target)") }
            close(fd)
        }
    }

    static func failure(_ step: MountStep, _ what: String) -> RuntimeError {
        RuntimeError(path: step.specPath, "\(what) on \(step.destination)", errno: cshim_errno())
    }
}
