import CShim
import Glibc
import Rootless

/// A new network namespace has `lo` down; runc and crun bring it up, and programs expect it.
enum Loopback {
    static func up() throws {
        let sock = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if sock < 0 { throw RuntimeError.system("socket for lo") }
        defer { close(sock) }
        // struct ifreq: 16 bytes of name, then a union whose first member is the short flags.
        var request = [UInt8](repeating: 0, count: 40)
        for (i, b) in "lo".utf8.enumerated() { request[i] = b }
        let rc = request.withUnsafeMutableBytes { raw -> Int32 in
            if cshim_ioctl_ptr(sock, UInt(SIOCGIFFLAGS), raw.baseAddress) != 0 { return -1 }
            let flags = raw.load(fromByteOffset: 16, as: Int16.self) | Int16(IFF_UP)
            raw.storeBytes(of: flags, toByteOffset: 16, as: Int16.self)
            return cshim_ioctl_ptr(sock, UInt(SIOCSIFFLAGS), raw.baseAddress)
        }
        if rc != 0 { throw RuntimeError.system("bring up lo") }
    }
}
