import CShim
import Glibc
import Rootless

/// A user namespace that exists only to carry an idmapped mount's ranges: mount_setattr takes
/// the mapping as a user namespace fd. A short-lived helper is cloned into a new user
/// namespace, its maps are written, its namespace is opened, and it exits: the fd keeps the
/// namespace alive for as long as it is needed.
struct MappingNamespace {
    /// The namespace (O_CLOEXEC).
    let fd: Int32
    /// The helper, told to exit, still to be reaped: its exit (a copy of our address space to
    /// tear down) takes longer than everything else here, so the caller reaps it when done.
    let helper: Int32

    /// Closes the namespace and reaps the helper.
    func release() {
        close(fd)
        MappingNamespace.reap(helper)
    }

    /// Called by rsrun before clone3 (ids as rsrun sees them) or by the container's init (ids as
    /// the container sees them): the writer's namespace is the parent of the new one.
    static func make(_ mapping: MountIDMapping) throws -> MappingNamespace {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw RuntimeError.system("socketpair")
        }
        var args = cshim_clone_args()
        args.flags = CSHIM_CLONE_NEWUSER
        args.exit_signal = UInt64(SIGCHLD)
        let pid = Int32(cshim_clone3(&args))
        if pid == 0 {
            close(pair[0])
            hold(pair[1])
        }
        close(pair[1])
        if pid < 0 {
            let code = cshim_errno()
            close(pair[0])
            throw RuntimeError(step: "clone3", "user namespace for an idmapped mount", errno: code)
        }
        // Closing our end lets the helper exit, whether we return or throw; on a throw it is
        // reaped here, after that close (defers run last first).
        var done = false
        defer { if !done { reap(pid) } }
        defer { close(pair[0]) }
        // The helper's pid as /proc names it: ours when /proc shows our pid namespace (rsrun),
        // else what the helper reports (an init in a pid namespace of its own, /proc the host's).
        guard let procPID = procShowsOwnPIDs() ? pid : readPID(pair[0]) else {
            throw RuntimeError("the helper holding an idmapped mount's user namespace exited early")
        }
        let base = "/proc/\(procPID)"
        for (file, ranges, field) in [("uid_map", mapping.uids, mapping.uidField), ("gid_map", mapping.gids, mapping.gidField)] {
            if !FileIO.writeKnob("\(base)/\(file)", ranges.mapFileText) {
                throw RuntimeError(path: field, "writing \(ranges.map(\.text).joined(separator: " ")) to the idmapped mount's user namespace failed",
                                   errno: cshim_errno())
            }
        }
        let fd = open("\(base)/ns/user", O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw RuntimeError.system("open", path: "\(base)/ns/user") }
        done = true
        return MappingNamespace(fd: fd, helper: pid)
    }

    /// The helper: tells its pid as /proc names it (the container's init may be in a pid namespace
    /// of its own while /proc is still the host's), then waits for the other end to close.
    static func hold(_ socket: Int32) -> Never {
        var name = [CChar](repeating: 0, count: 32)
        let n = readlink("/proc/self", &name, name.count - 1)
        // MSG_NOSIGNAL: rsrun may have closed its end already (it needed no report).
        if n > 0 { _ = name.withUnsafeBytes { send(socket, $0.baseAddress, n, Int32(MSG_NOSIGNAL)) } }
        _ = shutdown(socket, Int32(SHUT_WR))
        var byte: UInt8 = 0
        while read(socket, &byte, 1) < 0 && cshim_errno() == EINTR {}
        _exit(0)
    }

    static func procShowsOwnPIDs() -> Bool {
        var name = [CChar](repeating: 0, count: 32)
        let n = readlink("/proc/self", &name, name.count - 1)
        return n > 0 && String(decoding: name[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) == "\(getpid())"
    }

    static func readPID(_ socket: Int32) -> Int32? {
        guard let bytes = FileIO.readAll(fd: socket, limit: 32), !bytes.isEmpty else { return nil }
        return Int32(String(decoding: bytes, as: UTF8.self))
    }

    static func reap(_ pid: Int32) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && cshim_errno() == EINTR {}
    }
}
