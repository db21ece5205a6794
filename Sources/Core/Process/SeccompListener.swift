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

        let socketFD = try UnixSocket.connect(path, field: field)
        defer { close(socketFD) }
        if !FDPassing.send(socketFD, message, fd: fd) {
            throw RuntimeError(step: "send the seccomp fd", path: path, "", errno: cshim_errno())
        }
    }
}
