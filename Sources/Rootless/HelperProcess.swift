import CShim
import Glibc

/// A short-lived external program (newuidmap, newgidmap) started with posix_spawn, which
/// glibc implements with a vfork-style clone: no copy of our memory, no second thread.
/// Its stdout and stderr are captured for the error message.
struct HelperProcess {
    let pid: pid_t
    let output: Int32
    let command: String

    /// Starts `path` with `arguments` (argv[0] is the file's base name) and no environment. The
    /// child gets default signal handling and an empty mask: `run` may have blocked signals to
    /// forward them.
    static func start(_ path: String, _ arguments: [String]) throws -> HelperProcess {
        var fds: [Int32] = [-1, -1]
        if cshim_pipe2(&fds, O_CLOEXEC) != 0 { throw RuntimeError.system("pipe for \(path)") }
        defer { close(fds[1]) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        var all = sigset_t()
        _ = cshim_sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let name = path.split(separator: "/").last.map(String.init) ?? path
        let argv = ([name] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        // An empty environment: the helpers need none, and without LANG they neither load a
        // locale nor translate the messages we quote.
        var envp: [UnsafeMutablePointer<CChar>?] = [nil]
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, &envp)
        if rc != 0 {
            close(fds[0])
            throw RuntimeError(step: "run", path: path, "", errno: rc)
        }
        return HelperProcess(pid: pid, output: fds[0], command: ([name] + arguments).joined(separator: " "))
    }

    /// Waits for the helper; nil when it exited 0, else what went wrong, with its output on one line.
    func finish() -> String? {
        let bytes = FileIO.readAll(fd: output, limit: 4096) ?? []
        close(output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && cshim_errno() == EINTR {}
        let text = String(decoding: bytes, as: UTF8.self)
            .split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }.joined(separator: "; ")
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        if exited && code == 0 { return nil }
        let how = exited ? "exited with \(code)" : "was killed by signal \(status & 0x7f)"
        return text.isEmpty ? "`\(command)` \(how)" : "`\(command)` \(how): \(text)"
    }
}

extension Substring {
    /// Without leading and trailing blanks and line ends.
    public func trimmingSpaces() -> String {
        var s = self
        while let c = s.first, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\n" || c == "\r" { s.removeLast() }
        return String(s)
    }
}
