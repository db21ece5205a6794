import CShim
import Glibc
import Rootless

/// A host program run to completion: `ps` for `rsrun ps`, and hooks. One clone3 with a
/// pidfd, stdin from an fd of ours, stdout (and stderr, when asked) captured through a pipe,
/// and a deadline after which the program is killed.
struct ChildCommand {
    var path: String
    var args: [String]
    var env: [String]
    /// Becomes the child's stdin (nil: /dev/null).
    var stdin: Int32?
    /// Send stderr to the captured output too (else it is rsrun's).
    var captureStderr = false
    /// nil: no deadline.
    var timeoutMs: Int32?

    struct Outcome {
        /// The wait status; nil when the deadline passed and the program was killed.
        var status: Int32?
        var output: [UInt8]
    }

    func run() throws -> Outcome {
        var pipe: [Int32] = [-1, -1]
        if cshim_pipe2(&pipe, O_CLOEXEC) != 0 { throw RuntimeError.system("pipe") }
        let argv = CStringArray(args)
        let envp = CStringArray(env)
        let (pid, pidfd) = PidfdClone.clone(flags: 0)
        if pid == 0 {
            let input = stdin ?? open("/dev/null", O_RDONLY)
            if input != 0 { _ = cshim_dup3(input, 0, 0) }
            _ = cshim_dup3(pipe[1], 1, 0)
            if captureStderr { _ = cshim_dup3(pipe[1], 2, 0) }
            _ = cshim_close_range(3, UInt32.max, 0)
            var empty = sigset_t()
            _ = cshim_sigemptyset(&empty)
            _ = cshim_sigprocmask(SIG_SETMASK, &empty, nil)
            _ = cshim_execve(path, argv.pointers, envp.pointers)
            let message = "\(path): \(RuntimeError.errnoText(cshim_errno()))\n"
            FileIO.writeAll(fd: 2, Array(message.utf8))
            _exit(127)
        }
        close(pipe[1])
        defer { close(pipe[0]) }
        if pid < 0 { throw RuntimeError(step: "clone3", path: path, "", errno: cshim_errno()) }
        defer { close(pidfd) }
        _ = fcntl(pipe[0], F_SETFL, O_NONBLOCK)
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        func drain() {
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(pipe[0], $0.baseAddress, $0.count) }
                if n > 0 { if output.count < 1 << 20 { output += buffer[0..<n] }; continue }
                if n < 0 && cshim_errno() == EINTR { continue }
                return
            }
        }
        let deadline = timeoutMs.map { Clock.monotonicMs() + Int64($0) }
        var fds = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0), pollfd(fd: pipe[0], events: Int16(POLLIN), revents: 0)]
        var exited = false
        while !exited {
            let left = deadline.map { Int32(clamping: max(0, $0 - Clock.monotonicMs())) } ?? -1
            let n = poll(&fds, fds[1].fd >= 0 ? 2 : 1, left)
            if n < 0 && cshim_errno() == EINTR { continue }
            if n == 0 { break }
            if fds[1].revents != 0 {
                drain()
                // The program may have closed its end while it runs on: stop watching it.
                if fds[1].revents & Int16(POLLHUP) != 0 { fds[1].fd = -1 }
            }
            if fds[0].revents != 0 { exited = true }
        }
        if !exited { _ = cshim_pidfd_send_signal(pidfd, SIGKILL) }
        var status: Int32 = 0
        while waitpid(Int32(pid), &status, 0) < 0 && cshim_errno() == EINTR {}
        // Whatever was written before the exit; a grandchild holding the pipe is not waited for.
        drain()
        return Outcome(status: exited ? status : nil, output: output)
    }
}
