import CShim
import Glibc
import Rootless

/// The SOCK_SEQPACKET pair between `create` and the container's init. One datagram per
/// message keeps framing trivial: the parent says "maps written", the child answers
/// "ready" or "error <text>" (before which it may pass its seccomp notify fd), and EOF means
/// the child died.
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
        /// The seccomp notify fd, passed with SCM_RIGHTS.
        case seccompListener(Int32)
        /// `exec`: the pid of the process forked into the container's pid namespace.
        case pid(Int32)
        /// The init's mounts are done: time for prestart and createRuntime (answered with go).
        case runtimeHooks
        /// The master of the container's terminal, passed with SCM_RIGHTS.
        case console(Int32)
    }

    public static func send(_ fd: Int32, _ message: Message) {
        let text: String
        switch message {
        case .go: text = "go"
        case .ready: text = "ready"
        case .error(let why): text = "error " + why
        case .pid(let pid): text = "pid \(pid)"
        case .runtimeHooks: text = "hooks"
        case .closed: return
        case .seccompListener(let listener):
            _ = FDPassing.send(fd, Array("seccomp-listener".utf8), fd: listener)
            return
        case .console(let master):
            _ = FDPassing.send(fd, Array("console".utf8), fd: master)
            return
        }
        var bytes = Array(text.utf8.prefix(4000))
        while true {
            let n = bytes.withUnsafeMutableBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n >= 0 || cshim_errno() != EINTR { return }
        }
    }

    public static func receive(_ fd: Int32) -> Message {
        do {
            guard let (bytes, passed) = FDPassing.receive(fd) else { return .closed }
            let text = String(decoding: bytes, as: UTF8.self)
            if text == "seccomp-listener", let passed { return .seccompListener(passed) }
            if text == "console", let passed { return .console(passed) }
            if let passed { close(passed) }
            if text == "go" { return .go }
            if text == "ready" { return .ready }
            if text == "hooks" { return .runtimeHooks }
            if text.hasPrefix("pid "), let pid = Int32(text.dropFirst(4)) { return .pid(pid) }
            if text.hasPrefix("error ") { return .error(String(text.dropFirst(6))) }
            return .error("unexpected message from container init: \(text)")
        }
    }
}

extension SyncChannel {
    /// clone3 (with a pidfd) a child that runs `body` on its end of a new channel. Returns the
    /// child and our end, which the caller closes. `what` names the step in the error.
    static func clone(flags: UInt64, cgroup: Int32 = -1, what: String, _ body: (Int32) -> Never) throws -> (pid: Int32, pidfd: Int32, channel: Int32) {
        let channel = try make()
        let (pid, pidfd) = PidfdClone.clone(flags: flags, cgroup: cgroup)
        if pid < 0 {
            let code = cshim_errno()
            close(channel.parentEnd)
            close(channel.childEnd)
            throw RuntimeError(step: "clone3", what, errno: code)
        }
        if pid == 0 {
            close(channel.parentEnd)
            body(channel.childEnd)
        }
        close(channel.childEnd)
        return (Int32(pid), pidfd, channel.parentEnd)
    }
}
