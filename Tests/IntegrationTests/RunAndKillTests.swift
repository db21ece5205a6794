// `run` in the foreground (exit statuses) and `kill`.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension IntegrationTests {
    @Suite struct Run {
        struct ExitCase: Sendable, CustomTestStringConvertible {
            let expected: Int32
            let script: String
            var testDescription: String { "exit \(expected)" }
        }

        /// 137: the container's PID 1 ignores signals sent from inside its own pid namespace,
        /// so a child shell kills itself and the outer shell passes its status on. The
        /// `; exit $?` keeps busybox sh from exec'ing the child in place of itself.
        static let exitCases = [
            ExitCase(expected: 0, script: "exit 0"),
            ExitCase(expected: 3, script: "exit 3"),
            ExitCase(expected: 137, script: "sh -c 'kill -9 $$'; exit $?"),
        ]

        @Test("run exits with the container's status", arguments: Mode.allCases, exitCases)
        func exitStatus(_ mode: Mode, _ exitCase: ExitCase) throws {
            let h = try Harness(mode, "exit\(exitCase.expected)")
            defer { h.cleanup() }
            let id = h.newID("exit\(exitCase.expected)")
            let bundle = try h.bundle(h.config(["sh", "-c", exitCase.script]))
            let result = h.rsrun("run", "-b", bundle, id)
            #expect(!result.timedOut)
            #expect(result.status == exitCase.expected, "\(result)")
            #expect(result.signal == nil, "rsrun itself died of a signal: \(result)")
            #expect(!fileExists(h.stateDir(id)), "a foreground run must remove its state dir")
            #expect(h.leftoverProcesses(id).isEmpty, "processes left: \(h.processes(mentioning: id))")
        }

        @Test("run's output is the container's", arguments: Mode.allCases)
        func output(_ mode: Mode) throws {
            let h = try Harness(mode, "output")
            defer { h.cleanup() }
            let id = h.newID("output")
            let bundle = try h.bundle(h.config(["sh", "-c", "echo hello from rsrun; echo oops >&2; id -u"]))
            let result = h.rsrun("run", "-b", bundle, id)
            #expect(result.ok, "\(result)")
            #expect(result.stdout == "hello from rsrun\n0\n", "\(result)")
            #expect(h.withoutCgroupWarning(result.stderr) == "oops\n", "\(result)")
        }

        @Test("a foreground run killed from outside exits 137", arguments: Mode.allCases)
        func killedFromOutside(_ mode: Mode) throws {
            let h = try Harness(mode, "fgkill")
            defer { h.cleanup() }
            let id = h.newID("fgkill")
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let foreground = try #require(h.startRsrun(["run", "-b", bundle, id]))
            let status = h.waitForStatus(id, "running", timeout: 15)
            try #require(status == "running", "never running (last status \(status ?? "nil"))")

            let killed = h.rsrun("kill", id, "KILL")
            #expect(killed.ok, "\(killed)")
            let result = foreground.wait()
            #expect(!result.timedOut)
            #expect(result.status == 137, "\(result)")
            #expect(!fileExists(h.stateDir(id)), "a foreground run must remove its state dir")
        }

        @Test("an explicit user namespace mapping root to the caller", 
            .enabled(if: Mode.user.unavailableReason == nil, Comment(rawValue: Mode.user.unavailableReason ?? "")))
        func explicitUserNamespace() throws {
            let h = try Harness(.user, "explicituserns")
            defer { h.cleanup() }
            let id = h.newID("explicituserns")
            var config = h.config(["sh", "-c", #"[ "$(id -u)" = 0 ] && [ "$(id -g)" = 0 ] && exit 7; exit 1"#])
            config.addUserNamespace(uid: h.user!.uid, gid: h.user!.gid)
            let bundle = try h.bundle(config)
            let result = h.rsrun("run", "-b", bundle, id)
            #expect(result.status == 7, "root inside, the test user outside: \(result)")
        }
    }

    @Suite struct Kill {
        /// Spellings of SIGTERM; nil: no signal argument (the default is TERM).
        static let termSpellings: [String?] = ["TERM", "SIGTERM", "15", nil]

        @Test("kill with TERM stops a container that traps it", arguments: Mode.allCases, termSpellings)
        func term(_ mode: Mode, _ signal: String?) throws {
            let label = "term\(signal ?? "default")"
            let h = try Harness(mode, label)
            defer { h.cleanup() }
            let id = h.newID(label)
            let bundle = try h.bundle(h.config(["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]))
            let started = h.rsrun("run", "-d", "-b", bundle, id)
            try #require(started.ok, "\(started)")
            let status = h.waitForStatus(id, "running")
            try #require(status == "running", "never running (last status \(status ?? "nil"))")
            usleep(200_000)  // let the shell install its trap

            let killed = h.rsrun(["kill", id] + (signal.map { [$0] } ?? []))
            #expect(killed.ok, "\(killed)")
            let last = h.waitForStatus(id, "stopped", timeout: 10)
            #expect(last == "stopped", "still \(last ?? "nil") after kill \(signal ?? "(default)")")
            let deleted = h.rsrun("delete", id)
            #expect(deleted.ok, "a stopped container deletes without -f: \(deleted)")
        }

        @Test("kill 9 stops sleep", arguments: Mode.allCases)
        func numericKill(_ mode: Mode) throws {
            let h = try Harness(mode, "kill9")
            defer { h.cleanup() }
            let id = h.newID("kill9")
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let created = h.rsrun("create", "-b", bundle, id)
            try #require(created.ok, "\(created)")
            let started = h.rsrun("start", id)
            try #require(started.ok, "\(started)")
            #expect(h.waitForStatus(id, "running") == "running")

            let killed = h.rsrun("kill", id, "9")
            #expect(killed.ok, "\(killed)")
            let last = h.waitForStatus(id, "stopped", timeout: 10)
            #expect(last == "stopped", "still \(last ?? "nil") after kill 9")
            // containerd's shim and podman read "container not running" as "already exited".
            let again = h.rsrun("kill", id, "9")
            expectOneLineError(again)
            #expect(again.stderr.contains("container not running"), "\(again)")
            #expect(h.rsrun("delete", id).ok)
        }
    }
}
