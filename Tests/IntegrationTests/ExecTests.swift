// `rsrun exec` into a running container: exit statuses, users, a process file, detaching with
// a pid file, the namespaces and confinement the exec'd process gets, and the refusals.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Harness {
    /// Starts `config` detached (`run -d`) and waits until it is running.
    func runDetached(_ config: Config, _ label: String) throws -> String {
        let id = newID(label)
        let result = rsrun(["run", "-d", "-b", try bundle(config), id])
        try #require(result.ok, "\(result)")
        let status = waitForStatus(id, "running")
        try #require(status == "running", "never running (last status \(status ?? "nil"))")
        return id
    }
}

extension IntegrationTests {
    @Suite struct Exec {
        @Test("exec runs true, returns 7 from sh -c 'exit 7', and leaves no helper process", arguments: Mode.allCases)
        func exitStatuses(_ mode: Mode) throws {
            let h = try Harness(mode, "execstatus")
            defer { h.cleanup() }
            let id = try h.runDetached(h.config(["sleep", "100"]), "execstatus")
            let ok = h.rsrun("exec", id, "true")
            #expect(ok.ok && ok.stderr.isEmpty, "\(ok)")
            let seven = h.rsrun("exec", id, "sh", "-c", "exit 7")
            #expect(seven.status == 7, "\(seven)")
            let killed = h.rsrun("exec", id, "sh", "-c", "kill -9 $$")
            #expect(killed.status == 137, "\(killed)")
            // Only the init is left: no exec'd process and no intermediate child lingers.
            let ps = h.rsrun("exec", id, "ps", "-o", "comm")
            #expect(ps.stdout == "COMMAND\nsleep\nps\n", "the init and this ps only: \(ps)")
        }

        @Test("exec --user 1000 runs as uid 1000 where the container maps it", arguments: Mode.allCases)
        func user(_ mode: Mode) throws {
            let h = try Harness(mode, "execuser")
            defer { h.cleanup() }
            if mode == .userns {
                // unshare -r has only one id: the refusal names the field.
                let id = try h.runDetached(h.config(["sleep", "100"]), "execuser")
                let result = h.rsrun("exec", "--user", "1000", id, "id", "-u")
                expectOneLineError(result)
                #expect(result.stderr.contains("process.user.uid") && result.stderr.contains("not mapped"), "\(result)")
                return
            }
            try h.requireWideMaps()
            let id = try h.runDetached(h.wideConfig("sleep 100"), "execuser")
            let result = h.rsrun("exec", "--user", "1000:1000", id, "sh", "-c", "id -u; id -g")
            #expect(result.ok && result.stdout == "1000\n1000\n", "\(result)")
        }

        @Test("exec -p process.json, with its own args, env and cwd", arguments: Mode.allCases)
        func processFile(_ mode: Mode) throws {
            let h = try Harness(mode, "execfile")
            defer { h.cleanup() }
            let id = try h.runDetached(h.config(["sleep", "100"]), "execfile")
            let process: [String: Any] = [
                "terminal": false, "user": ["uid": 0, "gid": 0], "cwd": "/proc",
                "args": ["sh", "-c", "echo $GREETING; pwd; exit 3"],
                "env": ["PATH=\(Env.standardPath)", "GREETING=hello"],
            ]
            let file = "\(h.sandbox)/process.json"
            try JSONSerialization.data(withJSONObject: process).write(to: URL(fileURLWithPath: file))
            chmod(file, 0o644)
            let result = h.rsrun("exec", "-p", file, id)
            #expect(result.status == 3 && result.stdout == "hello\n/proc\n", "\(result)")
        }

        @Test("exec joins the container: hostname, pid namespace, confinement, env and cwd overrides", arguments: Mode.allCases)
        func joinsTheContainer(_ mode: Mode) throws {
            let h = try Harness(mode, "execjoin")
            defer { h.cleanup() }
            let id = try h.runDetached(h.config(["sleep", "100"]), "execjoin")
            let script = "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $EXTRA; pwd; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status"
            let result = h.rsrun("exec", "--env", "EXTRA=yes", "--cwd", "/dev", id, "sh", "-c", script)
            #expect(result.ok, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 6, "\(result)")
            guard lines.count == 6 else { return }
            #expect(lines[0] == "rsrun-it")
            #expect(lines[1] == "sleep 100 ")
            #expect(lines[2] == "yes" && lines[3] == "/dev")
            #expect(lines[4].hasSuffix(capabilityMask([29, 5, 10])), "the container's capabilities: \(result)")
            #expect(lines[5].hasSuffix("1"), "the container's noNewPrivileges: \(result)")
        }

        @Test("exec -d --pid-file writes the host pid of a process that runs on", arguments: Mode.allCases)
        func detachWithPidFile(_ mode: Mode) throws {
            let h = try Harness(mode, "execdetach")
            defer { h.cleanup() }
            let id = try h.runDetached(h.config(["sleep", "100"]), "execdetach")
            let pidFile = "\(h.sandbox)/exec.pid"
            if mode != .root { try h.giveToUser(h.sandbox) }
            let result = h.rsrun("exec", "-d", "--pid-file", pidFile, id, "sleep", "77")
            #expect(result.ok, "\(result)")
            let pid = Int((readText(pidFile) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            #expect(pid > 1 && processAlive(pid), "pid file \(pidFile): \(readText(pidFile) ?? "missing")")
            // exec -d returns once the process exists (as runc's does), maybe just before its execve.
            let execd = poll(timeout: 5) { (readText("/proc/\(pid)/cmdline") ?? "").hasPrefix("sleep\u{0}77") }
            #expect(execd, "pid \(pid) is not the exec'd sleep: \(readText("/proc/\(pid)/cmdline") ?? "gone")")
        }

        @Test("exec applies process.execCPUAffinity: final after initial, and a bad list fails exec and create with one line",
              .enabled(if: sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2, "needs two online CPUs to tell affinities apart"),
              arguments: Mode.allCases)
        func cpuAffinity(_ mode: Mode) throws {
            let h = try Harness(mode, "execaffinity")
            defer { h.cleanup() }
            var config = h.config(["sleep", "100"])
            config.set("process.execCPUAffinity", ["initial": "1", "final": "0"])
            let id = try h.runDetached(config, "execaffinity")
            // The init is left alone (the field is for exec); the exec'd process ends on `final`.
            let initCPUs = h.rsrun("exec", id, "sh", "-c", "grep Cpus_allowed_list /proc/1/status")
            #expect(!initCPUs.stdout.hasSuffix("\t0\n"), "\(initCPUs)")
            let both = h.rsrun("exec", id, "sh", "-c", "grep Cpus_allowed_list /proc/self/status")
            #expect(both.ok && both.stdout == "Cpus_allowed_list:\t0\n", "\(both)")

            let process: [String: Any] = [
                "user": ["uid": 0, "gid": 0], "cwd": "/", "env": ["PATH=\(Env.standardPath)"],
                "args": ["sh", "-c", "grep Cpus_allowed_list /proc/self/status"],
                "execCPUAffinity": ["final": "1"],
            ]
            let file = "\(h.sandbox)/process.json"
            try JSONSerialization.data(withJSONObject: process).write(to: URL(fileURLWithPath: file))
            chmod(file, 0o644)
            let finalOnly = h.rsrun("exec", "-p", file, id)
            #expect(finalOnly.ok && finalOnly.stdout == "Cpus_allowed_list:\t1\n", "\(finalOnly)")

            var bad = h.config(["true"])
            bad.set("process.execCPUAffinity", ["initial": "0-a"])
            let create = h.rsrun("create", "-b", try h.bundle(bad), h.newID("execaffinitybad"))
            expectOneLineError(create)
            #expect(create.stderr.contains("process.execCPUAffinity.initial") && create.stderr.contains("0-a"), "\(create)")
        }

        @Test("exec into a stopped container, or without a command, fails with one line", arguments: [Mode.root, .user])
        func refusals(_ mode: Mode) throws {
            let h = try Harness(mode, "execrefuse")
            defer { h.cleanup() }
            let id = h.newID("execrefuse")
            let created = h.rsrun("run", "-d", "-b", try h.bundle(h.config(["true"])), id)
            try #require(created.ok, "\(created)")
            h.waitForStatus(id, "stopped")
            let stopped = h.rsrun("exec", id, "true")
            expectOneLineError(stopped)
            #expect(stopped.stderr.contains("stopped"), "\(stopped)")
            let noCommand = h.rsrun("exec", id)
            expectOneLineError(noCommand)
            let badUser = h.rsrun("exec", "--user", "me", id, "true")
            expectOneLineError(badUser)
            #expect(badUser.stderr.contains("--user"), "\(badUser)")
            let missing = h.rsrun("exec", "no-such-container", "true")
            expectOneLineError(missing)
        }
    }
}
