@testable import Core
import Rootless
import Testing

@Suite("exec's process from the container's and the flags")
struct ExecProcessBuilderTests {
    var base: Spec.Process {
        var process = Spec.Process(user: Spec.User(uid: 0, gid: 0), args: ["sleep", "100"], cwd: "/")
        process.env = ["PATH=/bin", "TERM=xterm"]
        process.terminal = true
        var caps = Spec.Capabilities()
        caps.bounding = ["CAP_KILL"]
        process.capabilities = caps
        return process
    }

    @Test func commandLineOverridesTheContainersProcess() throws {
        var options = ExecOptions()
        options.args = ["id", "-u"]
        options.env = ["TERM=dumb", "EXTRA=1"]
        options.cwd = "/tmp"
        options.uid = 1000
        options.gid = 1001
        options.capabilities = ["CAP_NET_RAW"]
        options.noNewPrivileges = true
        let process = try ExecProcessBuilder.build(base: base, file: nil, options: options)
        #expect(process.args == ["id", "-u"])
        #expect(process.env == ["PATH=/bin", "TERM=dumb", "EXTRA=1"])
        #expect(process.cwd == "/tmp" && process.user.uid == 1000 && process.user.gid == 1001)
        #expect(process.terminal == false, "the init's terminal is not the exec'd process's")
        #expect(process.capabilities?.bounding == ["CAP_KILL", "CAP_NET_RAW"])
        #expect(process.capabilities?.ambient == ["CAP_NET_RAW"] && process.capabilities?.inheritable == ["CAP_NET_RAW"])
        #expect(process.noNewPrivileges)
    }

    @Test func processFileReplacesEverything() throws {
        var options = ExecOptions()
        options.processFile = "p.json"
        options.tty = true
        let file = Array(#"{"user": {"uid": 5, "gid": 6}, "args": ["true"], "cwd": "/"}"#.utf8)
        let process = try ExecProcessBuilder.build(base: base, file: file, options: options)
        #expect(process.args == ["true"] && process.user.uid == 5 && process.env.isEmpty && process.terminal)
    }

    @Test func errorsNameTheField() throws {
        var options = ExecOptions()
        #expect(throws: RuntimeError.self) { try ExecProcessBuilder.build(base: base, file: nil, options: options) }
        options.processFile = "p.json"
        let error = #expect(throws: RuntimeError.self) {
            try ExecProcessBuilder.build(base: base, file: Array(#"{"user": {"uid": 0, "gid": 0}, "args": [], "cwd": "/"}"#.utf8), options: options)
        }
        #expect(error?.path == "process.args")
    }
}
