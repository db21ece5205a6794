// What the container's process finds when it starts: the plan executed in each mode.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension IntegrationTests {
    @Suite struct ProcessSetup {
        static let probe = """
            echo host=$(hostname); echo cwd=$(pwd); echo var=$FOO; echo ids=$(id -u):$(id -g); \
            touch /rootfile 2>/dev/null && echo root=rw || echo root=ro; \
            echo timer_list=$(wc -c < /proc/timer_list); echo null=$(ls -l /dev/null | cut -c1-10); \
            echo devnull=$(echo x > /dev/null && echo writable); \
            echo fd=$(readlink /dev/fd); echo pid=$$
            """

        @Test("hostname, cwd, env, ids, read-only root, masked paths, /dev", arguments: Mode.allCases)
        func environment(_ mode: Mode) throws {
            // /proc/timer_list has content on the host; masked, it reads as /dev/null.
            try #require(FileManager.default.fileExists(atPath: "/proc/timer_list"), "this kernel has no /proc/timer_list")
            let h = try Harness(mode, "procsetup")
            defer { h.cleanup() }
            let id = h.newID("procsetup")
            var config = h.config(["sh", "-c", ProcessSetup.probe])
            config.set("process.env", ["PATH=\(Env.standardPath)", "FOO=bar"])
            config.set("process.cwd", "/tmp")
            if mode == .root {
                // Only real root has ids besides 0 to give the process.
                config.set("process.user", ["uid": 1000, "gid": 1000])
            }
            let result = h.rsrun("run", "-b", try h.bundle(config), id)
            #expect(result.ok, "\(result)")
            let ids = mode == .root ? "1000:1000" : "0:0"
            #expect(result.stdout == """
                host=rsrun-it
                cwd=/tmp
                var=bar
                ids=\(ids)
                root=ro
                timer_list=0
                null=crw-rw-rw-
                devnull=writable
                fd=/proc/self/fd
                pid=1

                """, "\(result)")
        }

        @Test("run forwards a signal it receives to the container", arguments: Mode.allCases)
        func forwardsSignals(_ mode: Mode) throws {
            let h = try Harness(mode, "forward")
            defer { h.cleanup() }
            let id = h.newID("forward")
            let bundle = try h.bundle(h.config(["sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.1; done"]))
            let foreground = try #require(h.startRsrun(["run", "-b", bundle, id]))
            try #require(h.waitForStatus(id, "running", timeout: 15) == "running")
            // The trap must be installed before the signal arrives: give sh a moment.
            usleep(200_000)
            kill(foreground.pid, SIGTERM)
            let result = foreground.wait()
            #expect(result.status == 7, "\(result)")
        }

        @Test("--pid-file holds the init's pid; --no-pivot still runs", arguments: Mode.allCases)
        func createOptions(_ mode: Mode) throws {
            let h = try Harness(mode, "createopts")
            defer { h.cleanup() }
            let id = h.newID("pidfile")
            let pidFile = "\(h.sandbox)/init.pid"
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let created = h.rsrun("create", "--pid-file", pidFile, "-b", bundle, id)
            try #require(created.ok, "\(created)")
            let pid = (h.state(id).json?["pid"] as? NSNumber)?.intValue
            #expect(readText(pidFile).flatMap { Int($0) } == pid, "pid file \(readText(pidFile) ?? "missing") vs state \(pid ?? 0)")
            #expect(h.rsrun("delete", "-f", id).ok)

            let noPivot = h.newID("nopivot")
            let ran = h.rsrun("run", "--no-pivot", "-b", try h.bundle(h.config(["sh", "-c", "echo ok"])), noPivot)
            #expect(ran.ok && ran.stdout == "ok\n", "\(ran)")
        }
    }
}
