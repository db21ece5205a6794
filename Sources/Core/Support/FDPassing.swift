import CShim
import Glibc
import Rootless

/// One message with one file descriptor attached (SCM_RIGHTS) over a unix socket: the seccomp
/// notify fd goes from the init to `create`, and from there to the listener.
enum FDPassing {
    /// struct cmsghdr (len, level, type) then the fd, padded: CMSG_SPACE(sizeof(int)) on 64-bit.
    static let controlSize = 24

    static func send(_ socket: Int32, _ bytes: [UInt8], fd: Int32) -> Bool {
        var payload = bytes
        var control = [UInt8](repeating: 0, count: controlSize)
        control.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt64(20), toByteOffset: 0, as: UInt64.self)        // CMSG_LEN(sizeof(int))
            raw.storeBytes(of: Int32(SOL_SOCKET), toByteOffset: 8, as: Int32.self)
            raw.storeBytes(of: Int32(SCM_RIGHTS), toByteOffset: 12, as: Int32.self)
            raw.storeBytes(of: fd, toByteOffset: 16, as: Int32.self)
        }
        let sent = withMessage(&payload, &control) { message in
            while true {
                let n = sendmsg(socket, &message, Int32(MSG_NOSIGNAL))
                if n >= 0 || cshim_errno() != EINTR { return n }
            }
        }
        return sent == bytes.count
    }

    /// A msghdr over `payload` (one iovec) and `control`, for the duration of `body`.
    static func withMessage(_ payload: inout [UInt8], _ control: inout [UInt8], _ body: (inout msghdr) -> Int) -> Int {
        payload.withUnsafeMutableBytes { data in
            control.withUnsafeMutableBytes { ctl in
                var iov = iovec(iov_base: data.baseAddress, iov_len: data.count)
                return withUnsafeMutablePointer(to: &iov) { iovPointer in
                    var message = msghdr(msg_name: nil, msg_namelen: 0, msg_iov: iovPointer, msg_iovlen: 1,
                                         msg_control: ctl.baseAddress, msg_controllen: ctl.count, msg_flags: 0)
                    return body(&message)
                }
            }
        }
    }

    /// The bytes of one message and the fd it carried, if any (received close-on-exec).
    /// nil on EOF or error.
    static func receive(_ socket: Int32, capacity: Int = 4096) -> (bytes: [UInt8], fd: Int32?)? {
        var payload = [UInt8](repeating: 0, count: capacity)
        var control = [UInt8](repeating: 0, count: controlSize)
        let received = withMessage(&payload, &control) { message in
            while true {
                let n = recvmsg(socket, &message, Int32(MSG_CMSG_CLOEXEC))
                if n >= 0 || cshim_errno() != EINTR { return n }
            }
        }
        guard received > 0 else { return nil }
        let level = control.withUnsafeBytes { $0.load(fromByteOffset: 8, as: Int32.self) }
        let type = control.withUnsafeBytes { $0.load(fromByteOffset: 12, as: Int32.self) }
        let length = control.withUnsafeBytes { $0.load(fromByteOffset: 0, as: UInt64.self) }
        let fd: Int32? = level == SOL_SOCKET && type == SCM_RIGHTS && length >= 20
            ? control.withUnsafeBytes { $0.load(fromByteOffset: 16, as: Int32.self) } : nil
        return (Array(payload[0..<received]), fd)
    }
}
