// The user namespace pool: after a create has run newuidmap/newgidmap, the next creates with
// the same maps join a namespace made ahead of time. Only the unprivileged mode uses the
// helpers, so only it has a pool.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Harness {
    var poolDirectory: String { "\(stateRoot)/@userns" }

    /// The pool process (and its holders) serving this sandbox's state root.
    func poolProcesses() -> [HostProcess] {
        processesMentioning("rsrun userns-pool \(poolDirectory)")
    }

    /// The advert files of ready namespaces.
    func poolAdverts() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: poolDirectory)) ?? []).filter { !$0.hasSuffix(".lock") }
    }

    /// Runs the wide-map script in a new container with --debug; returns the output and how
    /// the maps came about ("pool" or "helpers").
    func runWide(_ label: String, extraEnv: [String] = []) throws -> (result: ProcResult, how: String) {
        let script = "id -u; cat /proc/self/uid_map /proc/self/gid_map; touch /tmp/x && chown 1234:1234 /tmp/x && stat -c %u:%g /tmp/x"
        let id = newID(label)
        let result = rsrun(["--debug", "run", "-b", try bundle(wideConfig(script)), id], extraEnv: extraEnv)
        expectNothingLeft(self, id: id)
        let how = result.stderr.contains("the pool made ahead") ? "pool" : result.stderr.contains("written by newuidmap") ? "helpers" : "?"
        return (result, how)
    }

    func expectWideOutput(_ result: ProcResult, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = ["0"] + wideMapLines() + wideMapLines() + ["1234:1234"]
        #expect(result.ok && fieldsPerLine(result.stdout) == expected, "\(result)", sourceLocation: sourceLocation)
    }
}

extension IntegrationTests {
    @Suite struct UserNamespacePool {
        @Test("the second create joins a namespace the pool made: same maps, same ids; SIGTERM ends the pool and its holders")
        func joinsPooledNamespace() throws {
            let h = try Harness(.user, "pool")
            defer { h.cleanup() }
            try h.requireWideMaps()
            let first = try h.runWide("pool1")
            #expect(first.how == "helpers", "\(first.result)")
            h.expectWideOutput(first.result)
            #expect(poll(timeout: 10) { h.poolAdverts().count == 2 }, "no namespaces made ahead: \(h.poolAdverts())")

            let second = try h.runWide("pool2")
            #expect(second.how == "pool", "\(second.result)")
            h.expectWideOutput(second.result)
            let third = try h.runWide("pool3")
            #expect(third.how == "pool", "\(third.result)")

            // One pool and two holders, none of them naming a container.
            #expect(poll(timeout: 10) { h.poolProcesses().count == 3 }, "\(h.poolProcesses().map(\.cmdline))")
            let pool = h.poolProcesses().map(\.pid).min()!
            kill(pool, SIGTERM)
            #expect(poll(timeout: 10) { h.poolProcesses().isEmpty && h.poolAdverts().isEmpty },
                    "left: \(h.poolProcesses().map(\.cmdline)) \(h.poolAdverts())")

            // Without a pool, the helpers again; then a new pool.
            let fourth = try h.runWide("pool4")
            #expect(fourth.how == "helpers", "\(fourth.result)")
            h.expectWideOutput(fourth.result)
            #expect(poll(timeout: 10) { h.poolAdverts().count == 2 })
        }

        @Test("a pool nobody claims from exits after RSRUN_USERNS_POOL seconds, removing its adverts")
        func idleExit() throws {
            let h = try Harness(.user, "poolidle")
            defer { h.cleanup() }
            try h.requireWideMaps()
            let first = try h.runWide("idle1", extraEnv: ["RSRUN_USERNS_POOL=1"])
            h.expectWideOutput(first.result)
            #expect(poll(timeout: 10) { h.poolAdverts().count == 2 || h.poolProcesses().isEmpty })
            #expect(poll(timeout: 10) { h.poolProcesses().isEmpty && h.poolAdverts().isEmpty },
                    "left: \(h.poolProcesses().map(\.cmdline)) \(h.poolAdverts())")
        }

        @Test("RSRUN_USERNS_POOL=off: every create runs the helpers and no pool starts")
        func off() throws {
            let h = try Harness(.user, "pooloff")
            defer { h.cleanup() }
            try h.requireWideMaps()
            for label in ["off1", "off2"] {
                let run = try h.runWide(label, extraEnv: ["RSRUN_USERNS_POOL=off"])
                #expect(run.how == "helpers", "\(run.result)")
                h.expectWideOutput(run.result)
            }
            #expect(h.poolProcesses().isEmpty && !FileManager.default.fileExists(atPath: h.poolDirectory))
        }

        @Test("a pool killed outright leaves adverts that no create can use: it falls back to the helpers")
        func killedPool() throws {
            let h = try Harness(.user, "poolkill")
            defer { h.cleanup() }
            try h.requireWideMaps()
            _ = try h.runWide("kill1")
            #expect(poll(timeout: 10) { h.poolAdverts().count == 2 && h.poolProcesses().count == 3 })
            for process in h.poolProcesses() { kill(process.pid, SIGKILL) }
            #expect(poll(timeout: 10) { h.poolProcesses().isEmpty })
            let after = try h.runWide("kill2")
            #expect(after.how == "helpers", "\(after.result)")
            h.expectWideOutput(after.result)
        }
    }
}
