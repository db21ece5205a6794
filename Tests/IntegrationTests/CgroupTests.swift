// Cgroups on the dev machine: a hybrid host whose cgroup v2 (/sys/fs/cgroup/unified) has only
// hugetlb, but the v2 core (freezer, cgroup.kill, device eBPF). Root gets a cgroup per
// container; the unprivileged modes have none delegated here, so they run without one, with
// a warning, and a container that asks for limits fails. The VM lab covers the rest
// (contrib/vmlab-cgroups.sh).

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Harness {
    /// The container's cgroup directory as `state.json` records it.
    func cgroupPath(_ id: String) -> String? {
        guard let data = readBytes(stateDir(id) + "/state.json"),
              let json = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any],
              let cgroup = json["cgroup"] as? [String: Any] else { return nil }
        return cgroup["path"] as? String
    }

    /// Root with cgroup v2 mounted, or a skip saying why not.
    func requireRootCgroups() throws {
        if mode != .root { try skip("this check needs real root: no cgroup is delegated to the test user here") }
        if Cgroup.mountPoint == nil { try skip("no cgroup v2 mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified") }
    }
}

extension IntegrationTests {
    @Suite struct Cgroups {
        @Test("root: the container gets a cgroup named after it, exec joins it, delete removes it")
        func placement() throws {
            let h = try Harness(.root, "cgplace")
            defer { h.cleanup() }
            try h.requireRootCgroups()
            let id = try h.runDetached(h.config(["sleep", "100"]), "cgplace")
            let path = try #require(h.cgroupPath(id), "state.json has no cgroup")
            #expect(path == Cgroup.mountPoint! + "/" + id)
            let procs = readText(path + "/cgroup.procs") ?? ""
            let pid = try #require(h.state(id).json?["pid"] as? Int)
            #expect(procs.split(separator: "\n").contains("\(pid)"), "init \(pid) not in \(procs)")
            // Without a cgroup namespace the exec'd process sees the cgroup's host path.
            let inside = h.rsrun("exec", id, "cat", "/proc/self/cgroup")
            #expect(inside.ok && inside.stdout.contains("0::/\(id)\n"), "\(inside)")
            #expect(h.rsrun("delete", "-f", id).ok)
            #expect(!fileExists(path), "\(path) left after delete")

            // With one, the init and exec'd processes see their cgroup as the root.
            var config = h.config(["cat", "/proc/self/cgroup"])
            config.set("linux.namespaces", (config.value("linux.namespaces") as? [[String: Any]] ?? []) + [["type": "cgroup"]])
            let run = h.rsrun("run", "-b", try h.bundle(config), h.newID("cgplace"))
            #expect(run.ok && run.stdout.hasSuffix("0::/\n"), "\(run)")
            config.args = ["sleep", "100"]
            let namespaced = try h.runDetached(config, "cgplace")
            let exec = h.rsrun("exec", namespaced, "cat", "/proc/self/cgroup")
            #expect(exec.ok && exec.stdout.hasSuffix("0::/\n"), "\(exec)")
        }

        @Test("root: pause and resume freeze the container; state says paused; exec and delete refuse while paused")
        func pauseResume() throws {
            let h = try Harness(.root, "cgpause")
            defer { h.cleanup() }
            try h.requireRootCgroups()
            let id = try h.runDetached(h.config(["sh", "-c", "while true; do echo x >> /tmp/ticks; sleep 0.05; done"]), "cgpause")
            let pause = h.rsrun("pause", id)
            #expect(pause.ok && pause.stderr.isEmpty, "\(pause)")
            #expect(h.status(id) == "paused")
            let path = try #require(h.cgroupPath(id))
            #expect((readText(path + "/cgroup.events") ?? "").contains("frozen 1"))
            let again = h.rsrun("pause", id)
            expectOneLineError(again)
            #expect(again.stderr.contains("already paused"), "\(again)")
            let exec = h.rsrun("exec", id, "true")
            expectOneLineError(exec)
            #expect(exec.stderr.contains("paused"), "\(exec)")
            let delete = h.rsrun("delete", id)
            expectOneLineError(delete)
            #expect(h.status(id) == "paused")
            let resume = h.rsrun("resume", id)
            #expect(resume.ok && resume.stderr.isEmpty, "\(resume)")
            #expect(h.status(id) == "running")
            let ticking = h.rsrun("exec", id, "sh", "-c", "a=$(wc -l < /tmp/ticks); sleep 0.3; b=$(wc -l < /tmp/ticks); [ $b -gt $a ]")
            #expect(ticking.ok, "the loop runs again after resume: \(ticking)")
            let resumeAgain = h.rsrun("resume", id)
            expectOneLineError(resumeAgain)
            // A paused container can be force-deleted.
            #expect(h.rsrun("pause", id).ok)
            #expect(h.rsrun("delete", "-f", id).ok)
            #expect(!fileExists(path))
        }

        @Test("root: kill --all KILL empties the cgroup at once (cgroup.kill), children included")
        func killAll() throws {
            let h = try Harness(.root, "cgkill")
            defer { h.cleanup() }
            try h.requireRootCgroups()
            // No pid namespace: the init's death alone would leave its children running.
            var config = h.config(["sh", "-c", "sleep 100 & sleep 100 & wait"])
            config.removeNamespace("pid")
            let id = try h.runDetached(config, "cgkill")
            let path = try #require(h.cgroupPath(id))
            #expect(poll(timeout: 5) { (readText(path + "/cgroup.procs") ?? "").split(separator: "\n").count == 3 })
            let kill = h.rsrun("kill", "--all", id, "KILL")
            #expect(kill.ok, "\(kill)")
            #expect(poll(timeout: 5) { (readText(path + "/cgroup.events") ?? "").contains("populated 0") }, "processes left in \(path)")
            #expect(h.waitForStatus(id, "stopped") == "stopped")
            #expect(h.rsrun("delete", id).ok)
            #expect(!fileExists(path))
        }

        @Test("root: hugetlb limits land in hugetlb.<size>.max")
        func hugetlb() throws {
            let h = try Harness(.root, "cghuge")
            defer { h.cleanup() }
            try h.requireRootCgroups()
            let root = Cgroup.mountPoint!
            guard (readText(root + "/cgroup.controllers") ?? "").contains("hugetlb") else {
                try h.skip("cgroup v2 here has no hugetlb controller")
                return
            }
            var config = h.config(["sleep", "100"])
            config.set("linux.resources.hugepageLimits", [["pageSize": "2MB", "limit": 4_194_304]])
            let id = try h.runDetached(config, "cghuge")
            let path = try #require(h.cgroupPath(id))
            #expect(readText(path + "/hugetlb.2MB.max") == "4194304\n")
        }

        @Test("root: a custom absolute cgroupsPath is made; delete removes the parents it made, never one that was there")
        func customPath() throws {
            let h = try Harness(.root, "cgpath")
            defer { h.cleanup() }
            try h.requireRootCgroups()
            // Made by create (containerd's /<namespace>/<id>): delete takes it away again.
            let made = Cgroup.mountPoint! + "/rsrun-it-\(getpid())-made"
            defer { rmdir(made + "/a/leaf"); rmdir(made + "/a"); rmdir(made) }
            var config = h.config(["sleep", "100"])
            config.set("linux.cgroupsPath", "/rsrun-it-\(getpid())-made/a/leaf")
            let id = try h.runDetached(config, "cgpath")
            #expect(h.cgroupPath(id) == made + "/a/leaf")
            #expect(h.rsrun("delete", "-f", id).ok)
            #expect(!fileExists(made), "\(made) left after delete")

            // There before create: only the leaf goes.
            let existing = Cgroup.mountPoint! + "/rsrun-it-\(getpid())"
            #expect(mkdir(existing, 0o755) == 0)
            defer { rmdir(existing + "/leaf"); rmdir(existing) }
            config.set("linux.cgroupsPath", "/rsrun-it-\(getpid())/leaf")
            let kept = try h.runDetached(config, "cgpath")
            #expect(h.cgroupPath(kept) == existing + "/leaf")
            #expect(h.rsrun("delete", "-f", kept).ok)
            #expect(!fileExists(existing + "/leaf") && fileExists(existing))

            // A create that fails after making the cgroup leaves no parent either.
            config.set("linux.cgroupsPath", "/rsrun-it-\(getpid())-made/leaf")
            config.args = ["/no/such/program"]
            let failed = h.rsrun("create", "-b", try h.bundle(config), h.newID("cgpath"))
            expectOneLineError(failed)
            #expect(!fileExists(made), "\(made) left after a failed create")
        }

        @Test("root on a hybrid host: a memory limit fails naming the field and the missing controller, leaving nothing")
        func unavailableController() throws {
            let h = try Harness(.root, "cgnomem")
            defer { h.cleanup() }
            try h.requireRootCgroups()
            guard !(readText(Cgroup.mountPoint! + "/cgroup.controllers") ?? "").contains("memory") else {
                try h.skip("cgroup v2 here has the memory controller (the VM lab checks the limit itself)")
                return
            }
            var config = h.config(["true"])
            config.set("linux.resources.memory.limit", 33_554_432)
            let id = h.newID("cgnomem")
            let result = h.rsrun("create", "-b", try h.bundle(config), id)
            expectOneLineError(result)
            #expect(result.stderr.contains("linux.resources.memory.limit") && result.stderr.contains("memory controller"), "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("rootless without delegation: no limits runs with one warning in the log, none on stderr; limits fail; pause says why", arguments: [Mode.user, .userns])
        func disabled(_ mode: Mode) throws {
            let h = try Harness(mode, "cgoff")
            defer { h.cleanup() }
            let running = try h.runDetached(h.config(["sleep", "100"]), "cgoff")
            if let path = h.cgroupPath(running) { try h.skip("a cgroup is delegated in this mode (\(path))") }
            let pause = h.rsrun("pause", running)
            expectOneLineError(pause)
            #expect(pause.stderr.contains("no cgroup"), "\(pause)")

            // The warning goes to the log, never to stderr: that is the container's after create.
            let id = h.newID("cgoff")
            let log = h.sandbox + "/cgoff.log"
            let run = h.rsrun("--log", log, "--log-format", "json", "run", "-b", try h.bundle(h.config(["echo", "hi"])), id)
            #expect(run.ok && run.stdout == "hi\n" && run.stderr.isEmpty, "\(run)")
            let logged = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let warnings = logged.split(separator: "\n").filter { $0.contains("running without a cgroup") }
            #expect(warnings.count == 1 && warnings[0].contains("\"level\":\"warning\""), "exactly one warning in the log: \(logged)")

            var limited = h.config(["true"])
            limited.set("linux.resources.pids.limit", 20)
            let failed = h.newID("cgoff")
            let result = h.rsrun("create", "-b", try h.bundle(limited), failed)
            expectOneLineError(result)
            #expect(result.stderr.contains("linux.resources.pids.limit") && result.stderr.contains("needs a cgroup"), "\(result)")
            expectNothingLeft(h, id: failed)
        }

        /// `value` is JSON, set at `field`.
        @Test("bad cgroup input fails in one line and leaves nothing", arguments: [
            ("linux.resources.memory.limit", "-5", "is not a limit"),
            ("linux.resources.pids.limit", "-7", "is not a limit"),
            ("linux.cgroupsPath", #""../../x""#, #"climbs"#),
            ("linux.resources.unified", #"{"../cgroup.procs": "1"}"#, "not a path"),
            ("linux.resources.unified", #"{"cgroup.procs": "1"}"#, "manages"),
        ])
        func badInput(_ field: String, _ value: String, _ expected: String) throws {
            let h = try Harness(.root, "cgbad")
            defer { h.cleanup() }
            var config = h.config(["true"])
            config.set(field, try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed))
            let id = h.newID("cgbad")
            let result = h.rsrun("create", "-b", try h.bundle(config), id)
            expectOneLineError(result)
            #expect(result.stderr.contains(field) && result.stderr.contains(expected), "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("root: a unified key the kernel does not know fails in one line and leaves no cgroup")
        func unknownUnifiedKey() throws {
            let h = try Harness(.root, "cgunified")
            defer { h.cleanup() }
            try h.requireRootCgroups()
            var config = h.config(["true"])
            config.set("linux.resources.unified", ["cgroup.bogus.knob": "1"] as [String: String])
            let id = h.newID("cgunified")
            let first = h.rsrun("create", "-b", try h.bundle(config), id)
            expectOneLineError(first)
            config.set("linux.resources.unified", ["hugetlb.bogus": "1"] as [String: String])
            let result = h.rsrun("create", "-b", try h.bundle(config), id)
            expectOneLineError(result)
            #expect(result.stderr.contains("linux.resources.unified.hugetlb.bogus"), "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("root: a device rule denying /dev/null makes it fail to open; update -r allowing it makes it work")
        func deviceRules() throws {
            let h = try Harness(.root, "cgdev")
            defer { h.cleanup() }
            try h.requireRootCgroups()
            var config = h.config(["sleep", "100"])
            config.set("linux.resources.devices", [
                ["allow": false, "access": "rwm"],
                ["allow": false, "type": "c", "major": 1, "minor": 3, "access": "rwm"],
            ])
            let id = try h.runDetached(config, "cgdev")
            let denied = h.rsrun("exec", id, "sh", "-c", "echo x > /dev/null")
            #expect(!denied.ok && denied.stderr.contains("Operation not permitted"), "\(denied)")
            // The defaults stay allowed: /dev/zero reads.
            let zero = h.rsrun("exec", id, "sh", "-c", "head -c 4 /dev/zero | wc -c")
            #expect(zero.ok && zero.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "4", "\(zero)")
            let file = h.sandbox + "/resources.json"
            try Data(#"{"devices": [{"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]}"#.utf8)
                .write(to: URL(fileURLWithPath: file))
            let update = h.rsrun("update", "-r", file, id)
            #expect(update.ok && update.stderr.isEmpty, "\(update)")
            let allowed = h.rsrun("exec", id, "sh", "-c", "echo x > /dev/null")
            #expect(allowed.ok, "\(allowed)")
        }

        @Test("root: update changes a running container's limits; bad flags fail in one line")
        func update() throws {
            let h = try Harness(.root, "cgupdate")
            defer { h.cleanup() }
            try h.requireRootCgroups()
            let root = Cgroup.mountPoint!
            guard (readText(root + "/cgroup.controllers") ?? "").contains("hugetlb") else {
                try h.skip("cgroup v2 here has no hugetlb controller, the only one the dev machine's v2 offers")
                return
            }
            var config = h.config(["sleep", "100"])
            config.set("linux.resources.hugepageLimits", [["pageSize": "2MB", "limit": 4_194_304]])
            let id = try h.runDetached(config, "cgupdate")
            let path = try #require(h.cgroupPath(id))
            // -r - reads the document from stdin, as containerd's shim sends it.
            let file = h.sandbox + "/resources.json"
            try Data(#"{"hugepageLimits": [{"pageSize": "2MB", "limit": 8388608}]}"#.utf8).write(to: URL(fileURLWithPath: file))
            let (argv, env) = h.command(h.fullArgs(["update", "-r", "-", id], root: .sandbox))
            let update = Subprocess.run(["/bin/sh", "-c", "exec \"$@\" < \(file)", "sh"] + argv, env: env)
            #expect(update.ok, "\(update)")
            #expect(readText(path + "/hugetlb.2MB.max") == "8388608\n")
            let bad = h.rsrun("update", "--memory", "lots", id)
            expectOneLineError(bad)
            #expect(bad.stderr.contains("--memory"), "\(bad)")
            let nothing = h.rsrun("update", id)
            expectOneLineError(nothing)
            // A document that changes nothing is no error (runc's behaviour; engines send one).
            try Data("{}".utf8).write(to: URL(fileURLWithPath: file))
            let empty = Subprocess.run(["/bin/sh", "-c", "exec \"$@\" < \(file)", "sh"] + argv, env: env)
            #expect(empty.ok, "\(empty)")
            let stopped = h.rsrun("update", "--pids-limit", "10", "no-such-container")
            expectOneLineError(stopped)
        }

        @Test("root: events --stats prints one stats event in runc's shape")
        func eventsStats() throws {
            let h = try Harness(.root, "cgevents")
            defer { h.cleanup() }
            try h.requireRootCgroups()
            let id = try h.runDetached(h.config(["sleep", "100"]), "cgevents")
            let events = h.rsrun("events", "--stats", id)
            #expect(events.ok, "\(events)")
            let lines = events.stdout.split(separator: "\n")
            #expect(lines.count == 1, "\(events)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
            #expect(json["type"] as? String == "stats" && json["id"] as? String == id)
            let data = try #require(json["data"] as? [String: Any])
            #expect(data["cpu"] != nil && data["memory"] != nil && data["pids"] != nil, "\(data.keys)")
            let pids = data["pids"] as? [String: Any]
            #expect(pids?["current"] as? Int == 1, "\(String(describing: pids))")
            let stream = h.rsrun("events", "--interval", "0.1x", id)
            expectOneLineError(stream)
        }
    }
}
