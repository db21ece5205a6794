// The command lines engines really send, without the engines: conmon (podman, CRI-O) and
// containerd-shim-runc-v2 (containerd, docker, Kubernetes), and what they read back: pid
// files, state JSON, `ps --format json`, and the --log file in JSON.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Harness {
    /// rsrun with stdin from `file`, as the containerd shim feeds `update --resources -`.
    func rsrunWithStdin(_ args: [String], from file: String) -> ProcResult {
        let (argv, env) = command(fullArgs(args, root: .sandbox))
        let quoted = argv.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return Subprocess.run(["/bin/sh", "-c", "exec \(quoted) < '\(file)'"], env: env, timeout: 30)
    }

    /// Every line of a --log-format json file, parsed; nil for a line that is not a JSON object.
    func jsonLogLines(_ path: String) -> [[String: Any]?] {
        (readText(path) ?? "").split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }
}

extension IntegrationTests {
    @Suite("engine contract: conmon's and containerd-shim's command lines") struct EngineContract {
        @Test("conmon: create --bundle --pid-file --console-socket --no-new-keyring, start, state, kill, delete",
              arguments: Mode.allCases)
        func conmon(_ mode: Mode) throws {
            let h = try Harness(mode, "conmon")
            defer { h.cleanup() }
            var config = h.config(["sh", "-c", "tty; sleep 100"])
            config.set("process.terminal", true)
            let id = h.newID("conmon")
            let pidFile = "\(h.sandbox)/conmon.pid"
            let receiver = try ConsoleReceiver(path: "\(h.sandbox)/conmon.sock")
            let create = try #require(h.startRsrun(["create", "--bundle", try h.bundle(config), "--pid-file", pidFile,
                                                    "--console-socket", receiver.path, "--no-new-keyring", id]))
            let master = try #require(receiver.receive(), "no terminal arrived on the console socket")
            defer { close(master) }
            let created = create.wait()
            try #require(created.ok && created.stderr.isEmpty, "\(created)")
            let state = h.state(id).json
            #expect(state?["status"] as? String == "created", "\(String(describing: state))")
            let pid = Int((readText(pidFile) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            #expect(pid == state?["pid"] as? Int, "the pid file holds the init's pid: \(readText(pidFile) ?? "missing")")
            #expect(h.rsrun("start", id).ok)
            #expect(readUntil(master, contains: "/dev/pts/").contains("/dev/pts/"))
            #expect(h.status(id) == "running")
            #expect(h.rsrun("kill", id, "KILL").ok)
            #expect(h.waitForStatus(id, "stopped") == "stopped")
            let delete = h.rsrun("delete", id)
            #expect(delete.ok && delete.stderr.isEmpty, "\(delete)")
            expectNothingLeft(h, id: id)
        }

        @Test("conmon: exec --process F --detach --pid-file P", arguments: Mode.allCases)
        func conmonExec(_ mode: Mode) throws {
            let h = try Harness(mode, "conmonexec")
            defer { h.cleanup() }
            let id = try h.runDetached(h.config(["sleep", "100"]), "conmonexec")
            let process: [String: Any] = [
                "terminal": false, "user": ["uid": 0, "gid": 0], "cwd": "/",
                "args": ["sleep", "66"], "env": ["PATH=\(Env.standardPath)"],
            ]
            let file = "\(h.sandbox)/process.json"
            try JSONSerialization.data(withJSONObject: process).write(to: URL(fileURLWithPath: file))
            chmod(file, 0o644)
            let pidFile = "\(h.sandbox)/exec.pid"
            try h.giveToUser(h.sandbox)
            let exec = h.rsrun("exec", "--process", file, "--detach", "--pid-file", pidFile, id)
            #expect(exec.ok && exec.stderr.isEmpty, "\(exec)")
            let pid = Int((readText(pidFile) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            #expect(poll(timeout: 5) { (readText("/proc/\(pid)/cmdline") ?? "").hasPrefix("sleep\u{0}66") },
                    "pid \(pid) from the pid file is not the exec'd sleep")
        }

        @Test("containerd shim: --root --log --log-format json create/start/state/ps/update -/pause/resume/kill --all/delete --force",
              arguments: [Mode.root, .user])
        func containerdShim(_ mode: Mode) throws {
            let h = try Harness(mode, "shim")
            defer { h.cleanup() }
            try h.giveToUser(h.sandbox)
            let log = "\(h.sandbox)/log.json"
            let global = ["--log", log, "--log-format", "json"]
            let id = h.newID("shim")
            let pidFile = "\(h.sandbox)/init.pid"
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let create = h.rsrun(global + ["create", "--bundle", bundle, "--pid-file", pidFile, id])
            try #require(create.ok && create.stderr.isEmpty, "\(create)")
            #expect(h.rsrun(global + ["start", id]).ok)
            let state = try #require(h.state(id).json)
            #expect(state["status"] as? String == "running" && state["bundle"] as? String == bundle, "\(state)")
            let ps = h.rsrun(global + ["ps", "--format", "json", id])
            let pids = (try? JSONSerialization.jsonObject(with: Data(ps.stdout.utf8))) as? [Int]
            #expect(ps.ok && pids == [state["pid"] as? Int ?? -1], "\(ps)")

            let resources = "\(h.sandbox)/resources.json"
            try Data("{}".utf8).write(to: URL(fileURLWithPath: resources))
            chmod(resources, 0o644)
            let update = h.rsrunWithStdin(global + ["update", "--resources", "-", id], from: resources)
            let hasCgroup = h.cgroupPath(id) != nil
            if hasCgroup {
                #expect(update.ok, "\(update)")
                #expect(h.rsrun(global + ["pause", id]).ok && h.status(id) == "paused")
                #expect(h.rsrun(global + ["resume", id]).ok && h.status(id) == "running")
            } else {
                // No cgroup (rootless without delegation): each says so in one line.
                expectOneLineError(update)
            }
            #expect(h.rsrun(global + ["kill", "--all", id, "9"]).ok)
            #expect(h.waitForStatus(id, "stopped") == "stopped")
            #expect(h.rsrun(global + ["delete", "--force", id]).ok)
            // The shim deletes again when it cleans up: that must succeed quietly.
            let again = h.rsrun(global + ["delete", "--force", id])
            #expect(again.ok && again.stderr.isEmpty, "\(again)")
            expectNothingLeft(h, id: id)
            // Every line is JSON; the only error logged is the update refused for want of a cgroup.
            let lines = h.jsonLogLines(log)
            let errors = lines.filter { $0?["level"] as? String == "error" }
            #expect(lines.allSatisfy { $0 != nil } && errors.count == (hasCgroup ? 0 : 1), "\(lines)")
        }

        @Test("a failed create is one JSON line in --log, the shape containerd and conmon parse", arguments: [Mode.root, .user])
        func failureInTheLog(_ mode: Mode) throws {
            let h = try Harness(mode, "shimfail")
            defer { h.cleanup() }
            try h.giveToUser(h.sandbox)
            let log = "\(h.sandbox)/log.json"
            let id = h.newID("shimfail")
            let create = h.rsrun("--log", log, "--log-format", "json", "create", "--bundle",
                                 try h.bundle(h.config(["/no/such/binary"])), "--pid-file", "\(h.sandbox)/p", id)
            expectOneLineError(create)
            let lines = h.jsonLogLines(log)
            let errors = lines.compactMap { $0 }.filter { $0["level"] as? String == "error" }
            #expect(lines.count == errors.count && errors.count == 1, "\(lines)")
            let message = errors.first?["msg"] as? String ?? ""
            #expect(message.contains("process.args[0]") && create.stderr.contains(message), "\(message) vs \(create.stderr)")
            #expect(isRFC3339(errors.first?["time"] as? String ?? ""), "\(errors)")
            expectNothingLeft(h, id: id)
        }

        @Test("--debug with --log: the steps go to the log only; stderr, the container's, stays empty", arguments: [Mode.root, .user])
        func debugSteps(_ mode: Mode) throws {
            let h = try Harness(mode, "debug")
            defer { h.cleanup() }
            try h.giveToUser(h.sandbox)
            let log = "\(h.sandbox)/debug.json"
            let id = h.newID("debug")
            let run = h.rsrun("--debug", "--log", log, "--log-format", "json", "run", "-b", try h.bundle(h.config(["echo", "hi"])), id)
            #expect(run.ok && run.stdout == "hi\n" && run.stderr.isEmpty, "\(run)")
            let lines = h.jsonLogLines(log)
            let messages = lines.compactMap { $0?["msg"] as? String }
            #expect(lines.allSatisfy { $0 != nil } && !lines.isEmpty, "\(lines)")
            for step in ["read ", "plan: clone flags", "state directory", "init cloned: pid", "state saved", "state directory removed"] {
                #expect(messages.contains { $0.contains(step) }, "no step \"\(step)\" in \(messages)")
            }
            // Without --log the steps are on stderr, one "rsrun: debug:" line each.
            let plain = h.rsrun("--debug", "run", "-b", try h.bundle(h.config(["true"])), h.newID("debug"))
            #expect(plain.ok && plain.stderrLines.contains { $0.hasPrefix("rsrun: debug: ") && $0.contains("init cloned") }, "\(plain)")
        }
    }
}
