// Hooks: the six stages in order, each with the state it should get on stdin, in the
// namespace the spec names; and what a failing or hanging hook does at each stage.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Harness {
    /// A directory every hook can write to: on the host at `<sandbox>/markers`, and in the
    /// container at /markers (bind-mounted read-write).
    func markerDirectory() throws -> String {
        let dir = "\(sandbox)/markers"
        try makeDirectory(dir, mode: 0o777)
        chmod(dir, 0o777)
        try giveToUser(dir)
        return dir
    }

    /// A hook that appends "<stage> <status> <pid>" from the state on stdin to `markers`
    /// (a host path, or /markers for stages that run after pivot_root). `fail` makes it exit
    /// 3 after a line on stderr; `sleep` makes it hang.
    func hook(_ stage: String, markers: String, behaviour: String = "", timeout: Int? = nil) -> [String: Any] {
        let script = #"""
            state=$(cat); status=$(echo "$state" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
            pid=$(echo "$state" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
            echo "$1 $status $pid" >> "$MARKERS/markers"
            [ "$2" = fail ] && { echo "hook $1 says no" >&2; exit 3; }
            [ "$2" = sleep ] && sleep 20
            exit 0
            """#
        var hook: [String: Any] = [
            "path": "/bin/sh", "args": ["sh", "-c", script, "sh", stage, behaviour],
            "env": ["MARKERS=\(markers)", "PATH=/usr/bin:/bin"],
        ]
        if let timeout { hook["timeout"] = timeout }
        return hook
    }

    /// A config running `args` with /markers bound and one hook per stage (behaviours by stage).
    func hookConfig(_ args: [String], markers: String, behaviours: [String: String] = [:], timeouts: [String: Int] = [:]) -> Config {
        var config = self.config(args)
        config.addMount(["destination": "/markers", "type": "bind", "source": markers, "options": ["rbind", "rw"]])
        var hooks: [String: Any] = [:]
        for stage in ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] {
            let path = stage == "startContainer" ? "/markers" : markers
            hooks[stage] = [hook(stage, markers: path, behaviour: behaviours[stage] ?? "", timeout: timeouts[stage])]
        }
        config.set("hooks", hooks)
        return config
    }

    func markerLines(_ markers: String) -> [String] {
        (readText("\(markers)/markers") ?? "").split(separator: "\n").map(String.init)
    }
}

extension IntegrationTests {
    @Suite struct Hooks {
        @Test("six stages in order, with status and pid as the spec says", arguments: Mode.allCases)
        func order(_ mode: Mode) throws {
            let h = try Harness(mode, "hookorder")
            defer { h.cleanup() }
            let markers = try h.markerDirectory()
            let id = h.newID("hookorder")
            let created = h.rsrun("create", "-b", try h.bundle(h.hookConfig(["sleep", "100"], markers: markers)), id)
            try #require(created.ok, "\(created)")
            let pid = try #require(h.state(id).json?["pid"] as? Int)
            #expect(h.markerLines(markers) == ["prestart creating \(pid)", "createRuntime creating \(pid)", "createContainer creating 1"])
            let started = h.rsrun("start", id)
            #expect(started.ok && started.stderr.isEmpty, "\(started)")
            // start returns once the init has exec'd and poststart has run.
            #expect(h.markerLines(markers).suffix(2) == ["startContainer created 1", "poststart running \(pid)"], "\(h.markerLines(markers))")
            #expect(h.status(id) == "running")
            let deleted = h.rsrun("delete", "-f", id)
            #expect(deleted.ok, "\(deleted)")
            #expect(h.markerLines(markers).last == "poststop stopped 0", "\(h.markerLines(markers))")
            #expect(h.markerLines(markers).count == 6)
        }

        @Test("a failing prestart aborts create and leaves nothing; no later stage runs", arguments: Mode.allCases)
        func failingPrestart(_ mode: Mode) throws {
            let h = try Harness(mode, "hookprestart")
            defer { h.cleanup() }
            let markers = try h.markerDirectory()
            let id = h.newID("hookprestart")
            let config = h.hookConfig(["sleep", "100"], markers: markers, behaviours: ["prestart": "fail"])
            let result = h.rsrun("create", "-b", try h.bundle(config), id)
            expectOneLineError(result)
            #expect(result.stderr.contains("hooks.prestart[0]") && result.stderr.contains("status 3") && result.stderr.contains("says no"), "\(result)")
            expectNothingLeft(h, id: id)
            let lines = h.markerLines(markers)
            #expect(lines.count == 1 && lines.first?.hasPrefix("prestart creating ") == true, "nothing after the failed hook: \(lines)")
        }

        @Test("a createContainer hook past its timeout is killed and create fails, leaving nothing", arguments: Mode.allCases)
        func timedOutCreateContainer(_ mode: Mode) throws {
            let h = try Harness(mode, "hooktimeout")
            defer { h.cleanup() }
            let markers = try h.markerDirectory()
            let id = h.newID("hooktimeout")
            let config = h.hookConfig(["sleep", "100"], markers: markers, behaviours: ["createContainer": "sleep"], timeouts: ["createContainer": 1])
            let begin = Date()
            let result = h.rsrun("create", "-b", try h.bundle(config), id)
            #expect(Date().timeIntervalSince(begin) < 10, "the hook was not killed at its timeout")
            expectOneLineError(result)
            #expect(result.stderr.contains("hooks.createContainer[0]") && result.stderr.contains("timed out"), "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("failing startContainer fails start and stops the container; failing poststart and poststop only warn", arguments: Mode.allCases)
        func laterFailures(_ mode: Mode) throws {
            let h = try Harness(mode, "hooklate")
            defer { h.cleanup() }
            let markers = try h.markerDirectory()
            let id = h.newID("hooklate")
            let failingStart = h.hookConfig(["sleep", "100"], markers: markers, behaviours: ["startContainer": "fail"])
            try #require(h.rsrun("create", "-b", try h.bundle(failingStart), id).ok)
            let start = h.rsrun("start", id)
            expectOneLineError(start)
            #expect(start.stderr.contains("hooks.startContainer[0]"), "\(start)")
            #expect(h.waitForStatus(id, "stopped") == "stopped")
            #expect(h.rsrun("delete", id).ok)

            let other = h.newID("hooklate2")
            let warnOnly = h.hookConfig(["sleep", "100"], markers: markers, behaviours: ["poststart": "fail", "poststop": "fail"])
            try #require(h.rsrun("create", "-b", try h.bundle(warnOnly), other).ok)
            let started = h.rsrun("start", other)
            #expect(started.ok && started.stderr.contains("warning") && started.stderr.contains("hooks.poststart[0]"), "\(started)")
            #expect(h.status(other) == "running")
            let deleted = h.rsrun("delete", "-f", other)
            #expect(deleted.ok && deleted.stderr.contains("warning") && deleted.stderr.contains("hooks.poststop[0]"), "\(deleted)")
            expectNothingLeft(h, id: other)
        }
    }
}
