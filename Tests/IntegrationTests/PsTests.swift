// `rsrun ps` and `kill --all`: the init and an exec'd process, listed and then ended together.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension IntegrationTests {
    @Suite struct Ps {
        @Test("ps lists the init and an exec'd sleep; kill --all ends both", arguments: Mode.allCases)
        func listAndKillAll(_ mode: Mode) throws {
            let h = try Harness(mode, "psall")
            defer { h.cleanup() }
            let id = try h.runDetached(h.config(["sleep", "100"]), "psall")
            let pidFile = "\(h.sandbox)/exec.pid"
            try h.giveToUser(h.sandbox)
            let exec = h.rsrun("exec", "-d", "--pid-file", pidFile, id, "sleep", "99")
            try #require(exec.ok, "\(exec)")
            let execPid = Int32((readText(pidFile) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            let initPid = try #require(h.state(id).json?["pid"] as? Int)

            let json = h.rsrun("ps", "--format", "json", id)
            #expect(json.ok, "\(json)")
            let pids = (try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [Int] ?? []
            #expect(Set(pids) == [initPid, Int(execPid)], "\(json)")

            let table = h.rsrun("ps", id, "--", "-o", "pid,args")
            #expect(table.ok, "\(table)")
            let lines = table.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(lines.count == 3 && lines.first?.hasPrefix("PID") == true, "\(table)")
            #expect(lines.contains("\(initPid) sleep 100") && lines.contains("\(execPid) sleep 99"), "\(table)")

            let killed = h.rsrun("kill", "--all", id, "KILL")
            #expect(killed.ok, "\(killed)")
            #expect(poll(timeout: 5) { !processAlive(initPid) && !processAlive(Int(execPid)) }, "still alive after kill --all")
            #expect(h.waitForStatus(id, "stopped") == "stopped")
        }

        @Test("ps with a bad format or of a missing container fails with one line")
        func refusals() throws {
            let h = try Harness(.root, "psbad")
            defer { h.cleanup() }
            expectOneLineError(h.rsrun("ps", "--format", "yaml", "whatever"))
            expectOneLineError(h.rsrun("ps", "no-such-container"))
            expectOneLineError(h.rsrun("ps"))
        }
    }
}
