import CShim
import Glibc
import Rootless

/// Performs the planned `mounts[]` inside the container's mount namespace, before pivot_root.
/// Every destination is opened inside the rootfs (ContainerRoot) and mounted onto through
/// /proc/self/fd, so a symbolic link in the image cannot send a mount to the host.
enum MountExecutor {
    /// Flags a bind mount takes only through a second, remounting call.
    static let remountable = UInt(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME
        | MS_RELATIME | MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK | MS_LAZYTIME)

    /// `cgroupDirectory`: the container's cgroup on the host, bound when cgroup2 cannot be mounted.
    static func mountAll(_ steps: [MountStep], rootfs: String, cgroupDirectory: String? = nil) throws {
        if steps.isEmpty { return }
        try ContainerRoot.requireProc()
        let root = try ContainerRoot(rootfs)
        defer { root.close() }
        for step in steps { try mount(step, root: root, cgroupDirectory: cgroupDirectory) }
    }

    /// The destination of `step` opened (O_PATH) inside the root, created if missing with the
    /// source's type: a bind of anything but a directory gets an empty file, every other
    /// mount a directory. The one place a mount target is found: whatever attaches a mount
    /// (mount(2) through /proc/self/fd, move_mount onto the fd) starts from it.
    static func openTarget(_ step: MountStep, root: ContainerRoot) throws -> Int32 {
        let kind: ContainerRoot.Kind = step.kind == .bind && !FileIO.isDirectory(step.source) ? .file : .directory
        return try root.openCreating(ContainerPath(step.destination), last: kind, field: step.specPath + ".destination")
    }

    static func mount(_ step: MountStep, root: ContainerRoot, cgroupDirectory: String? = nil) throws {
        let target = try openTarget(step, root: root)
        defer { close(target) }
        let at = ContainerRoot.procPath(target)
        /// A bind takes most flags only through a remount.
        var bound = false
        switch step.kind {
        case .bind where step.idmap != nil:
            try IDMappedMount.bind(step, onto: target)
            bound = true
        case .bind:
            try bind(step.source, at, flags: step.flags, step: step)
            bound = true
        case .sysfs where step.fallbackToHostBind:
            if call(step.source, at, step.fsType, step.flags, step.data) != 0 {
                try bind("/sys", at, flags: step.flags | UInt(MS_REC), step: step)
                bound = true
            }
        case .cgroup:
            // cgroup2 needs a cgroup namespace we own (and some kernels refuse it to a user
            // namespace even then): else show the container's own cgroup, as crun does, or
            // without one the host's tree, read-only.
            if call("cgroup2", at, "cgroup2", step.flags, "") != 0 {
                try bind(cgroupDirectory ?? "/sys/fs/cgroup", at, flags: step.flags | UInt(MS_REC), step: step)
                bound = true
            }
        default:
            // Opened before the mount covers it: the fd still reads the image's directory.
            let image = step.copyUp ? openat(target, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC) : -1
            defer { if image >= 0 { close(image) } }
            // A read-only tmpfs is filled first and made read-only after.
            let readonlyAfterCopy = image >= 0 && step.flags & UInt(MS_RDONLY) != 0
            let flags = readonlyAfterCopy ? step.flags & ~UInt(MS_RDONLY) : step.flags
            if call(step.source, at, step.fsType, flags, step.data) != 0 {
                throw failure(step, "mount \(step.fsType)")
            }
            if image >= 0 {
                let mounted = try reopen(step, root: root)
                defer { close(mounted) }
                try TmpfsCopyUp.copy(from: image, to: mounted, step: step)
                if readonlyAfterCopy && call(step.source, ContainerRoot.procPath(mounted), step.fsType, step.flags | UInt(MS_REMOUNT), step.data) != 0 {
                    throw failure(step, "remount \(step.fsType) read-only")
                }
            }
        }
        let wanted = bound ? step.flags & remountable : 0
        if wanted == 0 && step.propagation.isEmpty && step.recursiveAttributes.isEmpty { return }
        let mounted = try reopen(step, root: root)
        defer { close(mounted) }
        let new = ContainerRoot.procPath(mounted)
        if wanted != 0 && !remountBind(new, wanted) { throw failure(step, "remount") }
        for propagation in step.propagation where Glibc.mount(nil, new, nil, propagation, nil) != 0 {
            throw failure(step, "set propagation")
        }
        if !step.recursiveAttributes.isEmpty {
            let attributes = step.recursiveAttributes
            var attr = cshim_mount_attr(attr_set: attributes.attrSet, attr_clr: attributes.attrClear, propagation: 0, userns_fd: 0)
            if cshim_mount_setattr(mounted, "", UInt32(CSHIM_AT_RECURSIVE | CSHIM_AT_EMPTY_PATH), &attr) != 0 {
                throw failure(step, "set recursive attributes")
            }
        }
    }

    /// The destination opened again after a mount onto it: the first fd still names the
    /// directory the mount now covers; this walk ends in the new mount's root, which remount,
    /// propagation and mount_setattr must act on.
    static func reopen(_ step: MountStep, root: ContainerRoot) throws -> Int32 {
        let mounted = root.open(ContainerPath(step.destination))
        if mounted < 0 { throw failure(step, "open the new mount") }
        return mounted
    }

    /// Attaches a bind of `source` at `target`; the flags a bind ignores come by remount.
    static func bind(_ source: String, _ target: String, flags: UInt, step: MountStep) throws {
        if Glibc.mount(source, target, nil, UInt(MS_BIND) | (flags & UInt(MS_REC)), nil) != 0 {
            throw failure(step, "bind \(source)")
        }
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

    static func failure(_ step: MountStep, _ what: String) -> RuntimeError {
        RuntimeError(path: step.specPath, "\(what) on \(step.destination)", errno: cshim_errno())
    }
}
