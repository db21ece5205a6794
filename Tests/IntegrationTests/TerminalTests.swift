// Terminals: the pty master handed to a console socket (as conmon receives it) for exec and
// run -d, process.consoleSize, and run in the foreground under a real pty.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A listening unix socket that receives one fd, like conmon's console socket.
final class ConsoleReceiver {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = try FDSocket.listen(at: path)
    }

    deinit { close(fd) }

    /// The fd sent by the first connection, within `timeout` milliseconds.
    func receive(timeout: Int32 = 15_000) -> Int32? {
        FDSocket.receive(fd, timeoutMs: timeout)?.fd
    }
}

/// Reads `fd` until `wanted` shows up or `timeout` seconds pass; returns all that was read.
func readUntil(_ fd: Int32, contains wanted: String, timeout: Double = 10) -> String {
    var text = ""
    let deadline = Date().addingTimeInterval(timeout)
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !text.contains(wanted) && Date() < deadline {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 200) == 1 else { continue }
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        text += String(decoding: buffer[0..<n], as: UTF8.self)
    }
    return text
}

extension IntegrationTests {
    @Suite struct Terminal {
        @Test("exec --tty --console-socket: the master reaches the socket, bytes go both ways", arguments: Mode.allCases)
        func execConsoleSocket(_ mode: Mode) throws {
            let h = try Harness(mode, "ttyexec")
            defer { h.cleanup() }
            let id = try h.runDetached(h.config(["sleep", "100"]), "ttyexec")
            let receiver = try ConsoleReceiver(path: "\(h.sandbox)/console.sock")
            let exec = try #require(h.startRsrun(["exec", "-d", "--tty", "--console-socket", receiver.path, id,
                                                  "sh", "-c", "tty; echo ready; read line; echo \"got $line\""]))
            let master = try #require(receiver.receive(), "no fd arrived on the console socket")
            defer { close(master) }
            #expect(exec.wait().ok)
            let first = readUntil(master, contains: "ready")
            #expect(first.contains("/dev/pts/") && first.contains("ready"), "\(first)")
            _ = "hello\n".withCString { write(master, $0, 6) }
            let reply = readUntil(master, contains: "got hello")
            #expect(reply.contains("got hello"), "\(reply)")
        }

        @Test("run -d --console-socket with consoleSize 30x100: stty size, /dev/console, controlling tty", arguments: Mode.allCases)
        func runConsoleSize(_ mode: Mode) throws {
            let h = try Harness(mode, "ttysize")
            defer { h.cleanup() }
            var config = h.config(["sh", "-c", "stty size; [ -c /dev/console ] && echo console; [ -t 0 ] && echo tty0; sleep 20"])
            config.set("process.terminal", true)
            config.set("process.consoleSize", ["height": 30, "width": 100])
            let id = h.newID("ttysize")
            let receiver = try ConsoleReceiver(path: "\(h.sandbox)/console.sock")
            let run = try #require(h.startRsrun(["run", "-d", "--console-socket", receiver.path, "-b", try h.bundle(config), id]))
            let master = try #require(receiver.receive(), "no fd arrived on the console socket")
            defer { close(master) }
            #expect(run.wait().ok)
            let text = readUntil(master, contains: "tty0")
            #expect(text.contains("30 100") && text.contains("console") && text.contains("tty0"), "\(text)")
        }

        @Test("run with a terminal in the foreground under a real pty relays it", arguments: Mode.allCases)
        func runUnderPty(_ mode: Mode) throws {
            let h = try Harness(mode, "ttyrun")
            defer { h.cleanup() }
            guard let script = Env.findTool("script") else { try h.skip("script (util-linux) is not installed") ; return }
            var config = h.config(["sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo both-ttys; tty; exit 5"])
            config.set("process.terminal", true)
            let id = h.newID("ttyrun")
            let (argv, env) = h.command(h.fullArgs(["run", "-b", try h.bundle(config), id], root: .sandbox))
            let quoted = argv.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            let result = Subprocess.run([script, "-qec", quoted, "/dev/null"], env: env, timeout: 30)
            #expect(result.status == 5, "\(result)")
            #expect(result.stdout.contains("both-ttys") && result.stdout.contains("/dev/pts/0"), "\(result)")
        }

        @Test("a terminal without a console socket is refused when rsrun would not stay", arguments: [Mode.root, .user])
        func refusals(_ mode: Mode) throws {
            let h = try Harness(mode, "ttyrefuse")
            defer { h.cleanup() }
            var config = h.config(["true"])
            config.set("process.terminal", true)
            let id = h.newID("ttyrefuse")
            let create = h.rsrun("create", "-b", try h.bundle(config), id)
            expectOneLineError(create)
            #expect(create.stderr.contains("process.terminal"), "\(create)")
            expectNothingLeft(h, id: id)
            let running = try h.runDetached(h.config(["sleep", "100"]), "ttyrefuse2")
            let exec = h.rsrun("exec", "-d", "-t", running, "true")
            expectOneLineError(exec)
            let socketWithoutTTY = h.rsrun("exec", "--console-socket", "\(h.sandbox)/x.sock", running, "true")
            expectOneLineError(socketWithoutTTY)
        }
    }
}
