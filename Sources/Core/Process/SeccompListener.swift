import CShim
import Glibc
import Rootless

/// Hands a seccomp notify fd to `linux.seccomp.listenerPath` as the runtime spec says: one
/// message on a unix stream socket holding the container process state as JSON, with the fd
/// attached (SCM_RIGHTS) at the index that "fds" names "seccompFd".
enum SeccompListener {
    static func hand(_ fd: Int32, to path: String, pid: Int32, ociVersion: String, metadata: String?, state: JSONValue) throws {
        let field = "linux.seccomp.listenerPath"
        var entries: [(key: String, value: JSONValue)] = [
            ("ociVersion", .string(ociVersion)),
            ("fds", .array([.string("seccompFd")])),
            ("pid", .number("\(pid)")),
        ]
        if let metadata { entries.append(("metadata", .string(metadata))) }
        entries.append(("state", state))
        let message = Array(JSONWriter.serialize(.object(JSONObject(entries))).utf8)

        let socketFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { throw RuntimeError.system("socket for \(field)") }
        defer { close(socketFD) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw RuntimeError(path: field, "\(path) is too long for a unix socket path")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if connected != 0 { throw RuntimeError(step: "connect", path: path, "", errno: cshim_errno()) }
        if !FDPassing.send(socketFD, message, fd: fd) {
            throw RuntimeError(step: "send the seccomp fd", path: path, "", errno: cshim_errno())
        }
    }
}
