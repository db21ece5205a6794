// Verbs racing on one container: the state store's lock and atomic writes must keep every
// answer well-formed and the end state clean.

import Foundation
import Testing

extension IntegrationTests {
    @Suite struct Concurrency {
        @Test("concurrent creates of one id: exactly one wins", arguments: Mode.allCases)
        func racingCreates(_ mode: Mode) throws {
            let h = try Harness(mode, "race-create")
            defer { h.cleanup() }
            let id = h.newID("race")
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let racers = (0..<6).compactMap { _ in h.startRsrun(["create", "-b", bundle, id]) }
            let results = racers.map { $0.wait() }
            let winners = results.filter { $0.ok }
            #expect(winners.count == 1, "\(results)")
            for loser in results where !loser.ok {
                expectOneLineError(loser)
                #expect(loser.stderr.contains("already exists"), "\(loser)")
            }
            #expect(h.status(id) == "created")
            #expect(h.processes(mentioning: id).count == 1, "\(h.processes(mentioning: id))")
            let deleted = h.rsrun("delete", "-f", id)
            #expect(deleted.ok, "\(deleted)")
        }

        @Test("state, start, kill and delete -f racing on one container", arguments: Mode.allCases)
        func racingVerbs(_ mode: Mode) throws {
            let h = try Harness(mode, "race-verbs")
            defer { h.cleanup() }
            let id = h.newID("race")
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            try #require(h.rsrun("create", "-b", bundle, id).ok)
            var commands: [[String]] = []
            for _ in 0..<3 { commands += [["state", id], ["start", id], ["delete", "-f", id], ["kill", id, "KILL"]] }
            let racers = commands.compactMap { h.startRsrun($0) }
            let results = racers.map { $0.wait() }
            for result in results {
                #expect(!result.timedOut, "\(result)")
                if result.ok {
                    if result.argv.contains("state") {
                        let json = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
                        #expect(json?["id"] as? String == id, "state printed something else: \(result)")
                    }
                } else {
                    expectOneLineError(result)
                }
            }
            #expect(results.contains { $0.ok && $0.argv.contains("delete") }, "no delete succeeded: \(results)")
            #expect(!fileExists(h.stateDir(id)), "state dir left after the race")
            #expect(h.leftoverProcesses(id, timeout: 5).isEmpty)
        }
    }
}
