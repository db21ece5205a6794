import CShim
import Glibc
import Rootless

/// `tmpcopyup`: a tmpfs mounted over a directory of the image starts with a copy of what the
/// image had there (podman mounts /etc-like paths this way). The source is read through a
/// directory fd opened before the tmpfs covered it; every step is relative to a directory
/// fd and never follows a symlink, so a hostile image cannot make the copy write elsewhere.
enum TmpfsCopyUp {
    /// `target`: the new tmpfs's root, opened (O_PATH is enough) inside the rootfs.
    static func copy(from image: Int32, to target: Int32, step: MountStep) throws {
        let tmpfs = openat(target, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC)
        if tmpfs < 0 { throw MountExecutor.failure(step, "open the new tmpfs for tmpcopyup") }
        defer { close(tmpfs) }
        let owners = Owners()
        // The tmpfs root takes the mode and owner of the directory it covers.
        var st = stat()
        if fstat(image, &st) == 0 {
            _ = fchmod(tmpfs, st.st_mode & 0o7777)
            _ = fchown(tmpfs, owners.uid(st.st_uid), owners.gid(st.st_gid))
        }
        do {
            try copyTree(from: image, to: tmpfs, owners: owners)
        } catch let failure as CopyFailure {
            throw RuntimeError(path: step.specPath, "tmpcopyup of \(step.destination): \(failure.what) \(failure.name)", errno: failure.errno)
        }
    }

    struct CopyFailure: Error {
        var what: String
        var name: String
        var errno: Int32
    }

    /// An image file owned by an id our user namespace does not map shows the overflow id; its
    /// copy keeps the owner the tmpfs gives it (-1: unchanged) instead of becoming a real one's.
    struct Owners {
        let overflowUID = Owners.knob("/proc/sys/kernel/overflowuid")
        let overflowGID = Owners.knob("/proc/sys/kernel/overflowgid")

        static func knob(_ path: String) -> UInt32 {
            FileIO.readText(path).flatMap { UInt32($0.filter { $0 != "\n" }) } ?? 65534
        }

        func uid(_ id: uid_t) -> uid_t { id == overflowUID ? uid_t.max : id }
        func gid(_ id: gid_t) -> gid_t { id == overflowGID ? gid_t.max : id }
    }

    static func copyTree(from source: Int32, to destination: Int32, owners: Owners, prefix: String = "") throws {
        for name in FileIO.list(directoryFD: source) ?? [] {
            let shown = prefix + name
            var st = stat()
            if fstatat(source, name, &st, AT_SYMLINK_NOFOLLOW) != 0 { throw CopyFailure(what: "stat", name: shown, errno: cshim_errno()) }
            let mode = st.st_mode & S_IFMT
            switch mode {
            case S_IFDIR:
                if mkdirat(destination, name, 0o700) != 0 && cshim_errno() != EEXIST {
                    throw CopyFailure(what: "mkdir", name: shown, errno: cshim_errno())
                }
                let from = openat(source, name, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                let to = openat(destination, name, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
                defer {
                    if from >= 0 { close(from) }
                    if to >= 0 { close(to) }
                }
                if from < 0 || to < 0 { throw CopyFailure(what: "open", name: shown, errno: cshim_errno()) }
                try copyTree(from: from, to: to, owners: owners, prefix: shown + "/")
            case S_IFREG:
                try copyFile(name, shown, from: source, to: destination, mode: st.st_mode)
            case S_IFLNK:
                guard let target = ContainerRoot.readLink(name, in: source), symlinkat(target, destination, name) == 0 else {
                    throw CopyFailure(what: "copy link", name: shown, errno: cshim_errno())
                }
            case S_IFIFO, S_IFCHR, S_IFBLK, S_IFSOCK:
                // Device nodes need CAP_MKNOD; an image's stray node is not worth failing for.
                if mknodat(destination, name, st.st_mode, st.st_rdev) != 0 { continue }
            default:
                continue
            }
            if fchownat(destination, name, owners.uid(st.st_uid), owners.gid(st.st_gid), AT_SYMLINK_NOFOLLOW) != 0 && cshim_errno() != EINVAL {
                throw CopyFailure(what: "chown", name: shown, errno: cshim_errno())
            }
            if mode != S_IFLNK && fchmodat(destination, name, st.st_mode & 0o7777, 0) != 0 {
                throw CopyFailure(what: "chmod", name: shown, errno: cshim_errno())
            }
            var times = [st.st_atim, st.st_mtim]
            _ = utimensat(destination, name, &times, AT_SYMLINK_NOFOLLOW)
        }
    }

    static func copyFile(_ name: String, _ shown: String, from source: Int32, to destination: Int32, mode: mode_t) throws {
        let input = openat(source, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if input < 0 { throw CopyFailure(what: "open", name: shown, errno: cshim_errno()) }
        defer { close(input) }
        let output = openat(destination, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if output < 0 { throw CopyFailure(what: "create", name: shown, errno: cshim_errno()) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            if n == 0 { return }
            if n < 0 {
                if cshim_errno() == EINTR { continue }
                throw CopyFailure(what: "read", name: shown, errno: cshim_errno())
            }
            if !FileIO.writeAll(fd: output, buffer[0..<n]) { throw CopyFailure(what: "write", name: shown, errno: cshim_errno()) }
        }
    }
}
