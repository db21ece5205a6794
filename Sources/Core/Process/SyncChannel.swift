import CShim
import Glibc
import Rootless

/// The SOCK_SEQPACKET pair between `create` and the container's init. One datagram per
/// message keeps framing trivial: the parent says "maps written", the child answers
/// "ready" or "error <text>", and EOF means the child died.
public struct SyncChannel {
    public var parentEnd: Int32
    public var childEnd: Int32

    public static func make() throws -> SyncChannel {
        var fds: [Int32] = [-1, -1]
        if socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) != 0 {
            throw RuntimeError.system("socketpair")
        }
        return SyncChannel(parentEnd: fds[0], childEnd: fds[1])
    }

    public enum Message: Equatable {
        case go
        case ready
        case error(String)
        case closed
    }

    public static func send(_ fd: Int32, _ message: Message) {
        let text: String
        switch message {
        case .go: text = "go"
        case .ready: text = "ready"
        case .error(let why): text = "error " + why
        case .closed: return
        }
        var bytes = Array(text.utf8.prefix(4000))
        while true {
            let n = bytes.withUnsafeMutableBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n >= 0 || cshim_errno() != EINTR { return }
        }
    }

    public static func receive(_ fd: Int32) -> Message {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && cshim_errno() == EINTR { continue }
            if n <= 0 { return .closed }
            let text = String(decoding: buffer[0..<n], as: UTF8.self)
            if text == "go" { return .go }
            if text == "ready" { return .ready }
            if text.hasPrefix("error ") { return .error(String(text.dropFirst(6))) }
            return .error("unexpected message from container init: \(text)")
        }
    }
}
