// A listening unix socket that takes one connection carrying one message with one fd
// (SCM_RIGHTS): the stand-in for a seccomp agent and for conmon's console socket.

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

enum FDSocket {
    /// A socket listening at `path`, connectable by the test user too.
    static func listen(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, Glibc.listen(fd, 1) == 0 else {
            throw HarnessError("listen on \(path): \(String(cString: strerror(errno)))")
        }
        chmod(path, 0o777)
        return fd
    }

    /// The first connection's message and the fd it carried, within `timeoutMs`.
    static func receive(_ listener: Int32, timeoutMs: Int32) -> (bytes: [UInt8], fd: Int32)? {
        var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, timeoutMs) == 1 else { return nil }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return nil }
        defer { close(connection) }
        var data = [UInt8](repeating: 0, count: 65536)
        var control = [UInt8](repeating: 0, count: 64)
        let n = data.withUnsafeMutableBytes { d in
            control.withUnsafeMutableBytes { c in
                var iov = iovec(iov_base: d.baseAddress, iov_len: d.count)
                return withUnsafeMutablePointer(to: &iov) {
                    var header = msghdr(msg_name: nil, msg_namelen: 0, msg_iov: $0, msg_iovlen: 1,
                                        msg_control: c.baseAddress, msg_controllen: c.count, msg_flags: 0)
                    return recvmsg(connection, &header, 0)
                }
            }
        }
        // cmsghdr: 8-byte length, level, type, then the fd.
        guard n > 0, control.withUnsafeBytes({ $0.load(fromByteOffset: 12, as: Int32.self) }) == SCM_RIGHTS else { return nil }
        return (Array(data[0..<n]), control.withUnsafeBytes { $0.load(fromByteOffset: 16, as: Int32.self) })
    }
}
