// create → start → stopped → delete, forced delete, and where state lives.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension IntegrationTests {
    /// One visible test per mode, so an unavailable mode shows up as skipped with its reason
    /// (swift test's console does not show the cancelled cases of parameterized tests).
    @Suite struct Modes {
        @Test(.enabled(if: Mode.root.unavailableReason == nil, Comment(rawValue: Mode.root.unavailableReason ?? "")))
        func rootModeRuns() throws { try versionWorks(.root) }

        @Test(.enabled(if: Mode.user.unavailableReason == nil, Comment(rawValue: Mode.user.unavailableReason ?? "")))
        func userModeRuns() throws { try versionWorks(.user) }

        @Test(
            .enabled(if: Mode.userns.unavailableReason == nil, Comment(rawValue: Mode.userns.unavailableReason ?? "")))
        func usernsModeRuns() throws { try versionWorks(.userns) }

        @Test(
            .enabled(
                if: Mode.usernsSubids.unavailableReason == nil,
                Comment(rawValue: Mode.usernsSubids.unavailableReason ?? "")))
        func usernsSubidsModeRuns() throws { try versionWorks(.usernsSubids) }

        private func versionWorks(_ mode: Mode) throws {
            let h = try Harness(mode, "version")
            defer { h.cleanup() }
            let result = h.rsrun(["--version"], root: .builtIn)
            #expect(result.ok, "\(result)")
            #expect(result.stdout.hasPrefix("rsrun version"), "\(result)")
        }
    }

    @Suite struct Lifecycle {
        @Test("create, start, run to the end, delete", arguments: Mode.allCases)
        func createStartDelete(_ mode: Mode) throws {
            let h = try Harness(mode, "lifecycle")
            defer { h.cleanup() }
            let id = h.newID("lifecycle")
            var config = h.config(["sleep", "2"])
            config.set("annotations", ["org.rsrun.test": "lifecycle"])
            let bundle = try h.bundle(config)

            let created = h.rsrun("create", "--bundle", bundle, id)
            try #require(created.ok, "\(created)")
            #expect(fileExists("\(h.stateDir(id))/state.json"), "no state.json under \(h.stateDir(id))")

            let (afterCreate, stateResult) = h.state(id)
            let state = try #require(afterCreate, "state after create: \(stateResult)")
            expectValidState(state, id: id, bundle: bundle, status: "created")
            let initPid = (state["pid"] as? NSNumber)?.intValue ?? 0
            #expect(processAlive(initPid), "the created container's pid \(initPid) is not alive")
            #expect(
                (state["annotations"] as? [String: Any])?["org.rsrun.test"] as? String == "lifecycle",
                "annotations from config.json missing: \(state)")

            let started = h.rsrun("start", id)
            try #require(started.ok, "\(started)")
            let (afterStart, startStateResult) = h.state(id)
            let running = try #require(afterStart, "state after start: \(startStateResult)")
            expectValidState(running, id: id, bundle: bundle)
            #expect(["running", "stopped"].contains(running["status"] as? String ?? ""), "\(running)")
            #expect(running["status"] as? String == "running", "sleep 2 should still run right after start")

            let last = h.waitForStatus(id, "stopped", timeout: 15)
            #expect(last == "stopped", "never stopped (last status \(last ?? "nil"))")
            if let stopped = h.state(id).json {
                expectValidState(stopped, id: id, bundle: bundle, status: "stopped")
            }

            let deleted = h.rsrun("delete", id)
            #expect(deleted.ok, "\(deleted)")
            #expect(!fileExists(h.stateDir(id)), "state dir \(h.stateDir(id)) left after delete")
            let gone = h.rsrun("state", id)
            #expect(gone.failed, "state of a deleted container must fail: \(gone)")
            #expect(h.leftoverProcesses(id).isEmpty, "processes left: \(h.processes(mentioning: id))")
        }

        @Test("a created container can be deleted without --force", arguments: Mode.allCases)
        func deleteCreated(_ mode: Mode) throws {
            let h = try Harness(mode, "delcreated")
            defer { h.cleanup() }
            let id = h.newID("delcreated")
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let created = h.rsrun("create", "-b", bundle, id)
            try #require(created.ok, "\(created)")
            let pid = (h.state(id).json?["pid"] as? NSNumber)?.intValue ?? 0
            let deleted = h.rsrun("delete", id)
            #expect(deleted.ok, "\(deleted)")
            #expect(!fileExists(h.stateDir(id)), "state dir left")
            #expect(poll(timeout: 5) { !processAlive(pid) }, "init \(pid) still alive")
        }

        /// containerd's runc shim runs `delete --force` again when it cleans up after a container
        /// docker already deleted; runc answers 0 there, and anything else is logged as a warning.
        @Test("delete -f of a container that does not exist succeeds quietly; delete without -f fails", arguments: Mode.allCases)
        func forceDeleteMissing(_ mode: Mode) throws {
            let h = try Harness(mode, "delmissing")
            defer { h.cleanup() }
            let id = h.newID("delmissing")
            let forced = h.rsrun("delete", "--force", id)
            #expect(forced.ok, "\(forced)")
            #expect(forced.stdout.isEmpty && forced.stderr.isEmpty, "\(forced)")
            #expect(!fileExists(h.stateDir(id)), "delete -f made a state dir")
            expectOneLineError(h.rsrun("delete", id))
        }

        @Test("delete -f stops a running container and leaves nothing", arguments: Mode.allCases)
        func forceDeleteRunning(_ mode: Mode) throws {
            let h = try Harness(mode, "forcedel")
            defer { h.cleanup() }
            let id = h.newID("forcedel")
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let started = h.rsrun("run", "-d", "-b", bundle, id)
            try #require(started.ok, "\(started)")
            #expect(h.waitForStatus(id, "running") == "running")
            let pid = (h.state(id).json?["pid"] as? NSNumber)?.intValue ?? 0
            #expect(processAlive(pid), "running container's pid \(pid) not alive")

            let refused = h.rsrun("delete", id)
            #expect(refused.failed, "delete of a running container without -f must fail: \(refused)")
            #expect(h.status(id) == "running", "the refused delete must leave the container running")

            let deleted = h.rsrun("delete", "-f", id)
            #expect(deleted.ok, "\(deleted)")
            #expect(poll(timeout: 5) { !processAlive(pid) }, "container init \(pid) survived delete -f")
            let left = h.leftoverProcesses(id)
            #expect(left.isEmpty, "processes mentioning \(id) left: \(left.map { "\($0.pid) \($0.cmdline)" })")
            #expect(!fileExists(h.stateDir(id)), "state dir left after delete -f")
            #expect(h.rsrun("state", id).failed, "state after delete -f must fail")
        }

        @Test("--root puts state in the given directory", arguments: Mode.allCases)
        func explicitRoot(_ mode: Mode) throws {
            let h = try Harness(mode, "rootflag")
            defer { h.cleanup() }
            let root = "\(h.sandbox)/custom-root"  // rsrun makes it
            let id = h.newID("rootflag", root: .explicit(root))
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let created = h.rsrun(["create", "-b", bundle, id], root: .explicit(root))
            try #require(created.ok, "\(created)")

            let dir = "\(root)/\(id)"
            #expect(fileExists("\(dir)/state.json"), "no \(dir)/state.json")
            var info = stat()
            if stat(dir, &info) == 0 {
                #expect(info.st_mode & 0o777 == 0o700, "\(dir) has mode \(String(info.st_mode & 0o777, radix: 8))")
            }
            #expect(!fileExists("\(h.builtInStateRoot)/\(id)"), "state also landed in the default root")
            let state = h.state(id, root: .explicit(root))
            #expect(state.json?["status"] as? String == "created", "\(state.result)")
            let elsewhere = h.rsrun(["state", id], root: .builtIn)
            #expect(elsewhere.failed, "the default root must not know the container: \(elsewhere)")
            let listed = h.rsrun(["list", "-q"], root: .explicit(root))
            #expect(listed.stdout.split(separator: "\n").map(String.init) == [id], "\(listed)")

            let deleted = h.rsrun(["delete", "-f", id], root: .explicit(root))
            #expect(deleted.ok, "\(deleted)")
            #expect(!fileExists(dir), "\(dir) left after delete")
        }
    }

    /// Where state lands without --root.
    @Suite struct DefaultStateRoot {
        enum Caller: String, CaseIterable, Sendable, CustomTestStringConvertible {
            case root, user, userns
            case usernsSubids = "userns-subids"
            /// The test user with XDG_RUNTIME_DIR unset: /run/user/<uid> is still used.
            case userWithoutXDG

            var mode: Mode {
                switch self {
                case .root: .root
                case .user, .userWithoutXDG: .user
                case .userns: .userns
                case .usernsSubids: .usernsSubids
                }
            }
            var testDescription: String { rawValue }
        }

        @Test("default state root", arguments: Caller.allCases)
        func defaultRoot(_ caller: Caller) throws {
            let h = try Harness(caller.mode, "defroot")
            defer { h.cleanup() }
            let xdg: XDG = caller == .userWithoutXDG ? .unset : .user
            let id = h.newID("defroot-\(caller.rawValue.lowercased())", root: .builtIn)
            let expectedRoot: String
            switch caller {
            case .root: expectedRoot = "/run/rsrun"
            default: expectedRoot = "/run/user/\(h.user!.uid)/rsrun"
            }
            let bundle = try h.bundle(h.config(["sleep", "100"]))
            let created = h.rsrun(["create", "-b", bundle, id], root: .builtIn, xdg: xdg)
            try #require(created.ok, "\(created)")

            let dir = "\(expectedRoot)/\(id)"
            #expect(fileExists("\(dir)/state.json"), "no \(dir)/state.json")
            var info = stat()
            if stat(dir, &info) == 0 {
                #expect(info.st_mode & 0o777 == 0o700, "\(dir) has mode \(String(info.st_mode & 0o777, radix: 8))")
                if let user = h.user {
                    #expect(info.st_uid == user.uid, "\(dir) is owned by uid \(info.st_uid), not \(user.uid)")
                }
            }
            let state = h.rsrun(["state", id], root: .builtIn, xdg: xdg)
            #expect(state.ok, "\(state)")
            let deleted = h.rsrun(["delete", "-f", id], root: .builtIn, xdg: xdg)
            #expect(deleted.ok, "\(deleted)")
            #expect(!fileExists(dir), "\(dir) left after delete")
        }
    }
}
