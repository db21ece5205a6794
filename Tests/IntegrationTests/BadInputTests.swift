// Bad input: every case must fail with exactly one `rsrun: ...` line on stderr naming the
// problem, and leave no state and no process behind.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What one bad-input case did.
struct Attempt {
    var result: ProcResult
    /// The container id the case used, if any: no state dir and no process may be left.
    var id: String?
    /// Every group must be mentioned by the error line, by any one of its keywords.
    var keywords: [[String]]
    /// Set when an earlier, valid container with this id must survive the failure.
    var survivor: (id: String, bundle: String, status: String, pid: Int)? = nil
    /// Whether the id and sandbox paths are blanked out before matching keywords (so that
    /// digits in them do not count).
    var blankPaths = false
}

enum BadInput: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case hostnameType
    case memoryLimitString
    case missingRoot
    case relativeCwd
    case unknownNamespace
    case duplicateID
    case pathInID
    case idTooLong
    case missingBundle
    case missingConfig
    case invalidJSON
    case emptyArgs
    case missingBinary
    case unknownSignal
    case unknownVerb
    case unknownFlag
    case stateOfMissing
    case startOfMissing
    case killWithoutID
    case logFormatYAML
    case rootlessValue
    case unknownRlimit
    case uidAsString
    case overlappingMappings
    case mappingPastTop
    case unknownCapability
    case rlimitSoftAboveHard
    case effectiveNotPermitted
    case realtimeWithoutPriority
    case hostSysctl
    case unknownSeccompAction
    case apparmorProfileWithoutAppArmor
    case sysctlHostnameConflict

    var testDescription: String { rawValue }
    var label: String { "bad-\(rawValue.lowercased())" }

    /// Runs the case.
    func attempt(_ h: Harness) throws -> Attempt {
        let id = h.newID(label)
        /// `create` of the default config changed by `edit`.
        func createWith(_ edit: (inout Config) -> Void) throws -> ProcResult {
            var config = h.config(["sleep", "100"])
            edit(&config)
            return h.rsrun("create", "-b", try h.bundle(config), id)
        }
        let missing = [id, "not exist", "does not exist", "not found", "no such", "unknown container"]

        switch self {
        case .hostnameType:
            return Attempt(result: try createWith { $0.set("hostname", 5) }, id: id, keywords: [["hostname"]])
        case .memoryLimitString:
            let result = try createWith { $0.set("linux.resources.memory.limit", "lots") }
            return Attempt(result: result, id: id, keywords: [["linux.resources.memory.limit"]])
        case .missingRoot:
            return Attempt(result: try createWith { $0.remove("root") }, id: id, keywords: [["root"]])
        case .relativeCwd:
            let result = try createWith { $0.set("process.cwd", "tmp") }
            return Attempt(result: result, id: id, keywords: [["process.cwd"]])
        case .unknownNamespace:
            let result = try createWith {
                var namespaces = $0.value("linux.namespaces") as? [[String: Any]] ?? []
                namespaces.append(["type": "bogus"])
                $0.set("linux.namespaces", namespaces)
            }
            return Attempt(result: result, id: id, keywords: [["linux.namespaces"]])
        case .duplicateID:
            let firstBundle = try h.bundle(h.config(["sleep", "100"]))
            let first = h.rsrun("create", "-b", firstBundle, id)
            try #require(first.ok, "the first create must work: \(first)")
            let pid = (h.state(id).json?["pid"] as? NSNumber)?.intValue ?? 0
            let second = h.rsrun("create", "-b", try h.bundle(h.config(["sleep", "100"])), id)
            return Attempt(
                result: second, id: id, keywords: [["exists", "already", "in use", "duplicate"]],
                survivor: (id, firstBundle, "created", pid))
        case .pathInID:
            // `../<unique id>`: a path, not a name; nothing may appear next to the state root.
            let bad = "../\(id)"
            let result = h.rsrun("create", "-b", try h.bundle(h.config(["sleep", "100"])), bad)
            #expect(!fileExists("\(h.sandbox)/\(id)"), "state for \(bad) was made in \(h.sandbox)")
            #expect(!fileExists("\(h.stateRoot)/\(id)"), "state for \(bad) was made in \(h.stateRoot)")
            return Attempt(result: result, id: bad, keywords: [["id"]])
        case .idTooLong:
            let long = id + "-" + String(repeating: "a", count: max(0, 1025 - id.count - 1))
            h.track(long)
            let result = h.rsrun("create", "-b", try h.bundle(h.config(["sleep", "100"])), long)
            return Attempt(result: result, id: long, keywords: [["id", "long"]])
        case .missingBundle:
            let result = h.rsrun("create", "-b", "\(h.sandbox)/no-such-bundle", id)
            return Attempt(result: result, id: id, keywords: [["bundle", "no-such-bundle"]])
        case .missingConfig:
            let result = h.rsrun("create", "-b", try h.bundle(text: nil), id)
            return Attempt(result: result, id: id, keywords: [["config.json"]])
        case .invalidJSON:
            let text = """
                {
                  "ociVersion": "1.0.2",
                  "process": { "cwd": "/", "args": ["sh"] ,, },
                  "root": { "path": "\(Env.rootfs)" }
                }

                """
            let result = h.rsrun("create", "-b", try h.bundle(text: text), id)
            return Attempt(result: result, id: id, keywords: [["line"], ["3"]], blankPaths: true)
        case .emptyArgs:
            return Attempt(result: try createWith { $0.args = [] }, id: id, keywords: [["process.args"]])
        case .missingBinary:
            let result = h.rsrun("run", "-b", try h.bundle(h.config(["/bin/nope"])), id)
            return Attempt(result: result, id: id, keywords: [["nope"]])
        case .unknownSignal:
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let started = h.rsrun("run", "-d", "-b", bundle, id)
            try #require(started.ok, "\(started)")
            #expect(h.waitForStatus(id, "running") == "running")
            let pid = (h.state(id).json?["pid"] as? NSNumber)?.intValue ?? 0
            let result = h.rsrun("kill", id, "SIGFOO")
            return Attempt(
                result: result, id: id, keywords: [["SIGFOO", "signal"]], survivor: (id, bundle, "running", pid))
        case .unknownVerb:
            return Attempt(result: h.rsrun("frobnicate", id), id: id, keywords: [["frobnicate"]])
        case .unknownFlag:
            let result = h.rsrun("create", "--frobnicate", "-b", try h.bundle(h.config(["sleep", "100"])), id)
            return Attempt(result: result, id: id, keywords: [["frobnicate"]])
        case .stateOfMissing:
            return Attempt(result: h.rsrun("state", id), id: id, keywords: [missing])
        case .startOfMissing:
            return Attempt(result: h.rsrun("start", id), id: id, keywords: [missing])
        case .killWithoutID:
            return Attempt(result: h.rsrun("kill"), id: nil, keywords: [["id", "usage", "argument", "missing"]])
        case .logFormatYAML:
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let result = h.rsrun("--log-format", "yaml", "create", "-b", bundle, id)
            return Attempt(result: result, id: id, keywords: [["yaml", "log-format"]])
        case .rootlessValue:
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let result = h.rsrun("--rootless", "maybe", "create", "-b", bundle, id)
            return Attempt(result: result, id: id, keywords: [["rootless", "maybe"]])
        case .unknownRlimit:
            let result = try createWith {
                $0.set("process.rlimits", [["type": "RLIMIT_BOGUS", "hard": 1, "soft": 1]])
            }
            return Attempt(result: result, id: id, keywords: [["RLIMIT_BOGUS", "rlimits"]])
        case .uidAsString:
            let result = try createWith { $0.set("process.user.uid", "root") }
            return Attempt(result: result, id: id, keywords: [["process.user.uid"]])
        case .overlappingMappings:
            let result = try createWith {
                $0.addUserNamespace(uid: 0, gid: 0)
                $0.set("linux.uidMappings", [["containerID": 0, "hostID": 0, "size": 10], ["containerID": 5, "hostID": 5000, "size": 1]])
            }
            return Attempt(result: result, id: id, keywords: [["linux.uidMappings[1]"], ["overlap"]])
        case .mappingPastTop:
            let result = try createWith {
                $0.addUserNamespace(uid: 0, gid: 0)
                $0.set("linux.gidMappings", [["containerID": 0, "hostID": 4_294_967_295, "size": 2]])
            }
            return Attempt(result: result, id: id, keywords: [["linux.gidMappings[0]"], ["4294967295"]])
        case .unknownCapability:
            let result = try createWith { $0.set("process.capabilities", ["bounding": ["CAP_KILL", "CAP_FLY"]]) }
            return Attempt(result: result, id: id, keywords: [["process.capabilities.bounding[1]"], ["CAP_FLY"]])
        case .rlimitSoftAboveHard:
            let result = try createWith { $0.set("process.rlimits", [["type": "RLIMIT_NOFILE", "hard": 64, "soft": 128]]) }
            return Attempt(result: result, id: id, keywords: [["process.rlimits[0]"], ["soft"]])
        case .effectiveNotPermitted:
            let result = try createWith { $0.set("process.capabilities", ["effective": ["CAP_KILL"], "permitted": []]) }
            return Attempt(result: result, id: id, keywords: [["process.capabilities.effective"], ["CAP_KILL"], ["permitted"]])
        case .realtimeWithoutPriority:
            let result = try createWith { $0.set("process.scheduler", ["policy": "SCHED_FIFO"]) }
            return Attempt(result: result, id: id, keywords: [["process.scheduler.priority"], ["SCHED_FIFO"]])
        case .unknownSeccompAction:
            let result = try createWith {
                $0.set("linux.seccomp", ["defaultAction": "SCMP_ACT_ALLOW", "syscalls": [["names": ["mkdir"], "action": "SCMP_ACT_EXPLODE"]]])
            }
            return Attempt(result: result, id: id, keywords: [["linux.seccomp.syscalls[0].action"], ["SCMP_ACT_EXPLODE"]])
        case .apparmorProfileWithoutAppArmor:
            // Without AppArmor on the host this is refused up front; with it, the profile does not exist.
            let result = try createWith { $0.set("process.apparmorProfile", "rsrun-no-such-profile") }
            return Attempt(result: result, id: id, keywords: [["process.apparmorProfile"], ["rsrun-no-such-profile"]])
        case .hostSysctl:
            let result = try createWith { $0.set("linux.sysctl", ["vm.swappiness": "10"]) }
            return Attempt(result: result, id: id, keywords: [["linux.sysctl.vm.swappiness"], ["namespaced"]])
        case .sysctlHostnameConflict:
            let result = try createWith {
                $0.set("hostname", "alpha")
                $0.set("linux.sysctl", ["kernel.hostname": "beta"])
            }
            return Attempt(result: result, id: id, keywords: [["linux.sysctl.kernel.hostname"], ["alpha"], ["conflicts"]])
        }
    }
}

extension IntegrationTests {
    @Suite struct BadInputs {
        @Test("bad input fails with one line and leaves nothing", arguments: Mode.allCases, BadInput.allCases)
        func rejected(_ mode: Mode, _ input: BadInput) throws {
            let h = try Harness(mode, input.label)
            defer { h.cleanup() }
            let attempt = try input.attempt(h)
            let result = attempt.result
            expectOneLineError(result)

            var line = result.stderrLines.first ?? ""
            if attempt.blankPaths {
                if let id = attempt.id { line = line.replacingOccurrences(of: id, with: "<id>") }
                line = line.replacingOccurrences(of: h.sandbox, with: "<sandbox>")
                line = line.replacingOccurrences(of: Env.rootfs, with: "<rootfs>")
            }
            for group in attempt.keywords {
                #expect(
                    group.contains { mentions(line, $0) },
                    "the error should mention \(group.count == 1 ? group[0] : "one of \(group)"): \(result)")
            }

            if let survivor = attempt.survivor {
                // The failure must not have hurt the container that was already there.
                let state = h.state(survivor.id)
                #expect(state.json?["status"] as? String == survivor.status, "\(state.result)")
                #expect(state.json?["bundle"] as? String == survivor.bundle, "\(state.result)")
                #expect((state.json?["pid"] as? NSNumber)?.intValue == survivor.pid, "\(state.result)")
                #expect(processAlive(survivor.pid), "the first container's init \(survivor.pid) died")
                #expect(fileExists("\(h.stateDir(survivor.id))/state.json"), "the first container's state is gone")
            } else {
                expectNothingLeft(h, id: attempt.id)
            }
        }
    }

    @Suite struct Logging {
        @Test("--log-format json writes the error as a JSON line", arguments: Mode.allCases)
        func jsonErrorLog(_ mode: Mode) throws {
            let h = try Harness(mode, "jsonlog")
            defer { h.cleanup() }
            let id = h.newID("jsonlog")
            let log = "\(h.sandbox)/rsrun.log"
            var config = h.config(["sleep", "100"])
            config.set("hostname", 5)
            let bundle = try h.bundle(config)
            let result = h.rsrun("--log", log, "--log-format", "json", "create", "-b", bundle, id)
            expectOneLineError(result)

            let text = try #require(readText(log), "no log file at \(log)")
            let objects = text.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
            #expect(
                objects.count == text.split(separator: "\n").count, "every log line must be a JSON object: \(text)")
            let error = objects.first { $0["level"] as? String == "error" }
            let entry = try #require(error, "no {\"level\":\"error\"} line in the log: \(text)")
            let msg = entry["msg"] as? String
            #expect(msg.map { mentions($0, "hostname") } == true, "msg should name the problem: \(entry)")
            #expect(entry["time"] is String, "time: \(entry)")
            #expect(!fileExists(h.stateDir(id)))
        }
    }
}
