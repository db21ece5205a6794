import CShim
import Glibc
import Rootless

/// A unix stream socket connected to `path`: where rsrun hands fds to others (the seccomp
/// listener, the console socket). `field` names the flag or config field in errors.
enum UnixSocket {
    static func connect(_ path: String, field: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RuntimeError.system("socket for \(field)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw RuntimeError(path: field, "\(path) is too long for a unix socket path")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected != 0 {
            let code = cshim_errno()
            close(fd)
            throw RuntimeError(step: "connect", path: path, "", errno: code)
        }
        return fd
    }

    /// A pty master goes to `--console-socket` (and is closed), or, without one, stays ours
    /// to relay: returns the fd to keep, or -1.
    static func handOver(_ master: Int32, to socket: String?) throws -> Int32 {
        guard let socket else { return master }
        defer { close(master) }
        try sendConsole(master, to: socket)
        return -1
    }

    /// Sends the pty master to `--console-socket`, as runc does: the name, with the fd attached.
    static func sendConsole(_ master: Int32, to path: String) throws {
        let fd = try connect(path, field: "--console-socket")
        defer { close(fd) }
        if !FDPassing.send(fd, Array("/dev/ptmx".utf8), fd: master) {
            throw RuntimeError(step: "send the terminal", path: path, "", errno: cshim_errno())
        }
    }
}
