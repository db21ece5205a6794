import CShim
import Glibc
import Rootless

/// The container's root directory, held by an O_PATH fd, through which container paths are
/// opened and created without ever leaving it. Every lookup is openat2 with RESOLVE_IN_ROOT:
/// `..` stops at the root and a symbolic link, absolute or relative, resolves as it would
/// inside the container. RESOLVE_NO_MAGICLINKS refuses /proc's fd and root links, which
/// point wherever their process does. The kernel does the walking, so a rootfs changed
/// meanwhile cannot send a lookup outside (a string resolved by hand could be raced), and
/// nothing is created through a host path string: directories and files are made with
/// mkdirat/openat on a parent fd that was itself opened in the root.
struct ContainerRoot {
    let fd: Int32

    /// What a missing last component is created as.
    enum Kind {
        case directory, file
    }

    /// The kernel's own limit for one walk (MAXSYMLINKS), applied to dangling links we follow.
    static let maxLinks = 40

    /// `rootfs` is a host path, trusted: it comes from the bundle.
    init(_ rootfs: String) throws {
        fd = Glibc.open(rootfs, Int32(CSHIM_O_PATH) | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw RuntimeError(step: "open", path: rootfs, "", errno: cshim_errno()) }
    }

    func close() { _ = Glibc.close(fd) }

    /// `path` opened inside the root (O_PATH unless `flags` says otherwise), or -1 with errno.
    func open(_ path: ContainerPath, flags: Int32 = Int32(CSHIM_O_PATH)) -> Int32 {
        var how = cshim_open_how(flags: UInt64(flags | O_CLOEXEC), mode: 0,
                                 resolve: CSHIM_RESOLVE_IN_ROOT | CSHIM_RESOLVE_NO_MAGICLINKS)
        // EAGAIN: a rename or mount raced with a `..` step; the kernel asks for a retry.
        for _ in 0..<16 {
            let result = cshim_openat2(fd, path.relative, &how)
            if result >= 0 || cshim_errno() != EAGAIN { return result }
        }
        return -1
    }

    /// Opens `path` (O_PATH), first creating what is missing: directories on the way and the
    /// last component as `last`. A dangling symbolic link on the way (`/etc -> /nowhere`) is
    /// followed inside the root and its target created there, as the container would see it.
    /// `field` names the spec field for the error.
    func openCreating(_ path: ContainerPath, last: Kind, field: String) throws -> Int32 {
        let whole = open(path)
        if whole >= 0 { return whole }
        if cshim_errno() != ENOENT { throw failure(field, path, "", cshim_errno()) }
        let requested = path
        var path = path
        var links = 0
        /// Components known to exist: path.prefix(known) opens.
        var known = 0
        // Each step opens or makes one component; the bound only stops a walk that races forever.
        for _ in 0..<4096 {
            if known == path.components.count {
                let fd = open(path)
                if fd >= 0 { return fd }
                if cshim_errno() != ENOENT { throw failure(field, requested, "", cshim_errno()) }
                known = 0
                continue
            }
            let probe = open(path.prefix(known + 1))
            if probe >= 0 {
                _ = Glibc.close(probe)
                known += 1
                continue
            }
            if cshim_errno() != ENOENT { throw failure(field, requested, "open \(path.prefix(known + 1))", cshim_errno()) }
            // `missing/a/../..` is where we are: a missing name is no link, so dropping the
            // run is exact, and nothing is created only to be climbed out of.
            if let run = path.returningRun(from: known) {
                path.components.removeSubrange(known..<(known + run))
                continue
            }
            let parent = open(path.prefix(known), flags: Int32(CSHIM_O_PATH) | O_DIRECTORY)
            if parent < 0 { throw failure(field, requested, "open \(path.prefix(known))", cshim_errno()) }
            defer { _ = Glibc.close(parent) }
            let name = path.components[known]
            if ContainerRoot.create(name, in: parent, as: known == path.components.count - 1 ? last : .directory) {
                known += 1
                continue
            }
            if cshim_errno() != EEXIST { throw failure(field, requested, "create \(path.prefix(known + 1))", cshim_errno()) }
            // There, yet it does not resolve: a dangling symbolic link (or a race we lost:
            // probe again). Its target is walked from the root again, so it stays inside.
            guard let target = ContainerRoot.readLink(name, in: parent) else { continue }
            links += 1
            if links > ContainerRoot.maxLinks { throw failure(field, requested, "follow links", ELOOP) }
            path = path.replacing(known, withLinkTo: target)
            if target.hasPrefix("/") { known = 0 }
        }
        throw failure(field, requested, "create", ELOOP)
    }

    /// mkdirat or an exclusive openat: neither follows a link in `name`, so an existing link
    /// fails with EEXIST instead of creating whatever it points at.
    static func create(_ name: String, in parent: Int32, as kind: Kind) -> Bool {
        switch kind {
        case .directory:
            return mkdirat(parent, name, 0o755) == 0
        case .file:
            let fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd < 0 { return false }
            _ = Glibc.close(fd)
            return true
        }
    }

    static func readLink(_ name: String, in parent: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlinkat(parent, name, &buffer, buffer.count - 1)
        if n <= 0 { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The path through which mount(2) reaches what `fd` names. /proc is the host's until
    /// pivot_root, in our mount namespace: nothing in the rootfs can change what it shows.
    static func procPath(_ fd: Int32) -> String { "/proc/self/fd/\(fd)" }

    /// Attaches the detached mount `mount` (open_tree, fsmount) on top of what `target` names:
    /// no path is resolved, so it needs no /proc either.
    static func attach(_ mount: Int32, onto target: Int32) -> Bool {
        cshim_move_mount(mount, "", target, "", CSHIM_MOVE_MOUNT_F_EMPTY_PATH | CSHIM_MOVE_MOUNT_T_EMPTY_PATH) == 0
    }

    /// mount(2) onto a /proc/self/fd path needs a real procfs at /proc.
    static func requireProc() throws {
        var info = statfs()
        if cshim_statfs("/proc/self/fd", &info) != 0 || info.f_type != CSHIM_PROC_SUPER_MAGIC {
            throw RuntimeError(path: "/proc", "rsrun mounts through /proc/self/fd and needs a procfs mounted at /proc")
        }
    }

    func failure(_ field: String, _ path: ContainerPath, _ what: String, _ code: Int32) -> RuntimeError {
        RuntimeError(path: field, "cannot resolve \(path) inside the rootfs" + (what.isEmpty ? "" : ": " + what), errno: code)
    }
}
