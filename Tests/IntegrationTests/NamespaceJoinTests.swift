// linux.namespaces[].path: a container joining the namespaces of another one (user first,
// pid through one extra process that is rsrun's own child), of a mount namespace holder, the
// refusals before anything is made; and a new time namespace with linux.timeOffsets.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Config {
    /// Joins `type` at `path` instead of creating it (added when it is not listed).
    mutating func join(_ type: String, at path: String) {
        var namespaces = value("linux.namespaces") as? [[String: Any]] ?? []
        namespaces.removeAll { $0["type"] as? String == type }
        namespaces.append(["type": type, "path": path])
        set("linux.namespaces", namespaces)
    }

    mutating func addNamespace(_ type: String) {
        var namespaces = value("linux.namespaces") as? [[String: Any]] ?? []
        namespaces.append(["type": type])
        set("linux.namespaces", namespaces)
    }
}

/// The first field of /proc/uptime's text, in seconds (0 when unreadable).
func uptimeSeconds(_ text: String?) -> Double {
    Double((text ?? "").split(separator: " ").first ?? "") ?? 0
}

/// An uptime read inside a time namespace with a boottime offset of one day.
func expectShiftedADay(_ inside: Double, from host: Double, _ when: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    // /proc/uptime has two decimals: inside and host + 86400 can print the same second and
    // still compare unequal as doubles, so allow one hundredth.
    #expect(inside >= host + 86400 - 0.01 && inside < host + 86400 + 60, "\(when) uptime \(inside) inside, \(host) on the host", sourceLocation: sourceLocation)
}

extension Harness {
    func statePid(_ id: String) -> Int {
        (state(id).json?["pid"] as? NSNumber)?.intValue ?? 0
    }

    /// The namespace `/proc/<pid>/ns/<name>` links to, as seen from here: `net:[4026532183]`.
    static func namespaceLink(_ pid: Int, _ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let n = readlink("/proc/\(pid)/ns/\(name)", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }
}

extension IntegrationTests {
    @Suite struct NamespaceJoin {
        /// A config joining every namespace of `pid` that makes "the other container": its user
        /// namespace (rsrun's own in the root and userns modes: then nothing is joined), pid
        /// and network. Mount, ipc and uts stay new.
        static func joining(_ h: Harness, _ pid: Int, _ args: [String]) -> Config {
            var config = h.config(args)
            config.join("user", at: "/proc/\(pid)/ns/user")
            config.join("pid", at: "/proc/\(pid)/ns/pid")
            config.join("network", at: "/proc/\(pid)/ns/net")
            return config
        }

        @Test("joining another container's user, pid and network namespaces: ps shows its processes, one net namespace", arguments: Mode.allCases)
        func joinsAnotherContainer(_ mode: Mode) throws {
            let h = try Harness(mode, "nsjoin")
            defer { h.cleanup() }
            let a = try h.runDetached(h.config(["sleep", "100"]), "nsjoin-a")
            let pidA = h.statePid(a)
            try #require(pidA > 0)
            let script = "ps -o comm; readlink /proc/self/ns/net; readlink /proc/self/ns/pid; readlink /proc/self/ns/user"
            let b = h.newID("nsjoin-b")
            let result = h.rsrun(["run", "-b", try h.bundle(Self.joining(h, pidA, ["sh", "-c", script])), b])
            #expect(result.ok, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("sleep"), "A's sleep is visible to B's ps: \(result)")
            #expect(lines.suffix(3) == [Harness.namespaceLink(pidA, "net"), Harness.namespaceLink(pidA, "pid"), Harness.namespaceLink(pidA, "user")],
                    "B's namespaces are A's: \(result)")
            // Neither B nor the process that forked it into A's pid namespace is left.
            expectNothingLeft(h, id: b)
            #expect(processAlive(pidA), "A survived B")
        }

        @Test("the init made in a joined pid namespace is rsrun's own child", arguments: Mode.allCases)
        func initIsRsrunsChild(_ mode: Mode) throws {
            let h = try Harness(mode, "nsjoinparent")
            defer { h.cleanup() }
            let a = try h.runDetached(h.config(["sleep", "100"]), "nsjoinparent-a")
            let pidA = h.statePid(a)
            let b = h.newID("nsjoinparent-b")
            let run = try #require(h.startRsrun(["run", "-b", try h.bundle(Self.joining(h, pidA, ["sleep", "100"])), b]))
            #expect(h.waitForStatus(b, "running") == "running")
            let pidB = h.statePid(b)
            // setpriv, env, nsenter and unshare all exec: the process started is rsrun.
            let parent = (readText("/proc/\(pidB)/status") ?? "").split(separator: "\n")
                .first { $0.hasPrefix("PPid:") }.map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) }
            #expect(parent == "\(run.pid)", "B's init \(pidB) has parent \(parent ?? "?"), not the foreground rsrun \(run.pid)")
            #expect(Harness.namespaceLink(pidB, "pid") == Harness.namespaceLink(pidA, "pid"))
        }

        @Test("ps and kill --all of a container in a joined pid namespace leave the other container's processes alone", arguments: Mode.allCases)
        func psAndKillAll(_ mode: Mode) throws {
            let h = try Harness(mode, "nsjoinkill")
            defer { h.cleanup() }
            let a = try h.runDetached(h.config(["sleep", "100"]), "nsjoinkill-a")
            let pidA = h.statePid(a)
            let b = try h.runDetached(Self.joining(h, pidA, ["sh", "-c", "sleep 100 & exec sleep 101"]), "nsjoinkill-b")
            let pidB = h.statePid(b)
            var listed: [Int] = []
            poll(timeout: 5) {
                let ps = h.rsrun("ps", "--format", "json", b)
                listed = (try? JSONSerialization.jsonObject(with: Data(ps.stdout.utf8))) as? [Int] ?? []
                return listed.count == 2
            }
            #expect(listed.count == 2 && listed.first == pidB && !listed.contains(pidA), "B's init and its child only: \(listed), A is \(pidA)")
            let killed = h.rsrun("kill", "--all", b, "KILL")
            #expect(killed.ok, "\(killed)")
            #expect(h.waitForStatus(b, "stopped") == "stopped")
            #expect(processAlive(pidA), "A's init was killed with B")
            #expect(h.status(a) == "running")
        }

        @Test("a path of another type fails before anything is made", arguments: Mode.allCases)
        func typeMismatch(_ mode: Mode) throws {
            let h = try Harness(mode, "nsjoinmismatch")
            defer { h.cleanup() }
            let a = try h.runDetached(h.config(["sleep", "100"]), "nsjoinmismatch-a")
            let pidA = h.statePid(a)
            var config = h.config(["true"])
            config.join("network", at: "/proc/\(pidA)/ns/pid")
            let b = h.newID("nsjoinmismatch-b")
            let result = h.rsrun(["run", "-b", try h.bundle(config), b])
            expectOneLineError(result)
            #expect(result.stderr.contains("linux.namespaces[") && result.stderr.contains("/proc/\(pidA)/ns/pid is a pid namespace, not network"), "\(result)")
            expectNothingLeft(h, id: b)
        }

        enum Refusal: String, CaseIterable, Sendable, CustomTestStringConvertible {
            case missingPath, listedTwice, userPathWithMappings, offsetsWithoutTimeNamespace, offsetsWithJoinedTimeNamespace
            var testDescription: String { rawValue }
        }

        @Test("refused before anything is made", arguments: Mode.allCases, Refusal.allCases)
        func refused(_ mode: Mode, _ refusal: Refusal) throws {
            let h = try Harness(mode, "nsjoinbad")
            defer { h.cleanup() }
            var config = h.config(["true"])
            let expected: String
            switch refusal {
            case .missingPath:
                config.join("network", at: "/proc/999999999/ns/net")
                expected = "/proc/999999999/ns/net does not exist"
            case .listedTwice:
                var namespaces = config.value("linux.namespaces") as? [[String: Any]] ?? []
                namespaces.append(["type": "pid", "path": "/proc/self/ns/pid"])
                config.set("linux.namespaces", namespaces)
                expected = "linux.namespaces[\(namespaces.count - 1)].type: duplicate namespace type \"pid\""
            case .userPathWithMappings:
                config.join("user", at: "/proc/self/ns/user")
                config.set("linux.uidMappings", [["containerID": 0, "hostID": 0, "size": 1]])
                expected = "linux.uidMappings: must be empty when joining an existing user namespace"
            case .offsetsWithoutTimeNamespace:
                config.set("linux.timeOffsets", ["boottime": ["secs": 86400]])
                expected = "linux.timeOffsets: needs a new time namespace"
            case .offsetsWithJoinedTimeNamespace:
                config.join("time", at: "/proc/self/ns/time")
                config.set("linux.timeOffsets", ["boottime": ["secs": 86400]])
                expected = "linux.timeOffsets: needs a new time namespace; the one joined at"
            }
            let id = h.newID("nsjoinbad")
            let result = h.rsrun(["create", "-b", try h.bundle(config), id])
            expectOneLineError(result)
            #expect(result.stderr.contains(expected), "expected \(expected): \(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("an ordinary user asking to join the user namespace it runs in is told why that cannot work", arguments: [Mode.user])
        func ownUserNamespaceUnprivileged(_ mode: Mode) throws {
            let h = try Harness(mode, "nsjoinown")
            defer { h.cleanup() }
            var config = h.config(["true"])
            config.join("user", at: "/proc/self/ns/user")
            config.remove("linux.uidMappings")
            config.remove("linux.gidMappings")
            let id = h.newID("nsjoinown")
            let result = h.rsrun(["create", "-b", try h.bundle(config), id])
            expectOneLineError(result)
            #expect(result.stderr.contains("is the user namespace rsrun runs in, where an unprivileged user cannot make the container's other namespaces"), "\(result)")
            expectNothingLeft(h, id: id)
        }

        /// Joining needs capabilities over the namespace's owner. The unprivileged user makes a
        /// user namespace of its own and joins through the intermediate, which has none over the
        /// host's; the userns modes make none, and their init fails the join itself; root joins
        /// a user namespace first (an `unshare --user` holder), which leaves it none either.
        /// Either way: one line, nothing left.
        @Test("a namespace the container's user namespace has no say over fails cleanly", arguments: Mode.allCases)
        func joinWithoutCapabilities(_ mode: Mode) throws {
            let h = try Harness(mode, "nsjoinperm")
            defer { h.cleanup() }
            var config = h.config(["true"])
            var holder: Subprocess?
            defer { holder?.killAndWait() }
            if mode == .root {
                holder = Subprocess.start([Env.unshare!, "--user", "--map-root-user", "sleep", "1000"], env: ["PATH=\(Env.standardPath)"], timeout: 120)
                let pid = try #require(holder?.pid)
                try #require(poll(timeout: 10) { (readText("/proc/\(pid)/comm") ?? "") == "sleep\n" })
                config.join("user", at: "/proc/\(pid)/ns/user")
            }
            // rsrun's own network namespace: the host's, owned by the initial user namespace.
            config.join("network", at: "/proc/self/ns/net")
            let id = h.newID("nsjoinperm")
            let result = h.rsrun(["create", "-b", try h.bundle(config), id])
            expectOneLineError(result)
            #expect(result.stderr.contains("linux.namespaces[") && result.stderr.contains("Operation not permitted"), "\(result)")
            expectNothingLeft(h, id: id)
        }

        /// What podman does rootful with a user namespace and a network namespace made for it:
        /// the network namespace is joined before the user namespace is made, while rsrun's
        /// child still has the host's capabilities.
        @Test("root: a new user namespace with a joined network namespace owned by the host", arguments: [Mode.root])
        func newUserNamespaceJoinsHostNetwork(_ mode: Mode) throws {
            let h = try Harness(mode, "nsjoinuserns")
            defer { h.cleanup() }
            let a = try h.runDetached(h.config(["sleep", "100"]), "nsjoinuserns-a")
            let pidA = h.statePid(a)
            var config = h.config(["sh", "-c", "readlink /proc/self/ns/net; cat /proc/self/uid_map"])
            config.addUserNamespace(uid: 100_000, gid: 100_000)
            config.join("network", at: "/proc/\(pidA)/ns/net")
            let id = h.newID("nsjoinuserns")
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok, "\(result)")
            let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            #expect(lines == [Harness.namespaceLink(pidA, "net"), "0 100000 1"], "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("linux.timeOffsets shift the clocks of a new time namespace", arguments: Mode.allCases)
        func timeOffsets(_ mode: Mode) throws {
            let h = try Harness(mode, "timens")
            defer { h.cleanup() }
            guard fileExists("/proc/self/ns/time") else { return try h.skip("this kernel has no time namespaces") }
            var config = h.config(["sh", "-c", "cat /proc/uptime; cat /proc/self/timens_offsets"])
            config.addNamespace("time")
            config.set("linux.timeOffsets", ["boottime": ["secs": 86400], "monotonic": ["secs": 172_800, "nanosecs": 5]])
            let hostUptime = uptimeSeconds(readText("/proc/uptime"))
            let result = h.rsrun(["run", "-b", try h.bundle(config), h.newID("timens")])
            #expect(result.ok, "\(result)")
            let lines = result.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            try #require(lines.count == 3, "\(result)")
            let uptime = Double(lines[0].first ?? "") ?? 0
            expectShiftedADay(uptime, from: hostUptime)
            #expect(lines[1] == ["monotonic", "172800", "5"] && lines[2] == ["boottime", "86400", "0"], "\(result)")
        }

        @Test("exec enters the container's time namespace, before start as after it", arguments: Mode.allCases)
        func execTimeNamespace(_ mode: Mode) throws {
            let h = try Harness(mode, "timexec")
            defer { h.cleanup() }
            guard fileExists("/proc/self/ns/time") else { return try h.skip("this kernel has no time namespaces") }
            var config = h.config(["sleep", "100"])
            config.addNamespace("time")
            config.set("linux.timeOffsets", ["boottime": ["secs": 86400]])
            let id = h.newID("timexec")
            let create = h.rsrun(["create", "-b", try h.bundle(config), id])
            try #require(create.ok, "\(create)")
            func uptimeInside() throws -> Double {
                let exec = h.rsrun("exec", id, "cat", "/proc/uptime")
                try #require(exec.ok, "\(exec)")
                return uptimeSeconds(exec.stdout)
            }
            let hostUptime = uptimeSeconds(readText("/proc/uptime"))
            // Created: the init itself is not in the namespace yet (its execve moves it in).
            let before = try uptimeInside()
            expectShiftedADay(before, from: hostUptime, "created")
            #expect(h.rsrun("start", id).ok)
            let after = try uptimeInside()
            expectShiftedADay(after, from: hostUptime, "running")
        }

        @Test("a joined time namespace keeps the offsets its creator wrote", arguments: Mode.allCases)
        func joinsTimeNamespace(_ mode: Mode) throws {
            let h = try Harness(mode, "timensjoin")
            defer { h.cleanup() }
            guard fileExists("/proc/self/ns/time") else { return try h.skip("this kernel has no time namespaces") }
            var first = h.config(["sleep", "100"])
            first.addNamespace("time")
            first.set("linux.timeOffsets", ["boottime": ["secs": 86400]])
            let a = try h.runDetached(first, "timensjoin-a")
            let pidA = h.statePid(a)
            var config = h.config(["sh", "-c", "cat /proc/uptime; readlink /proc/self/ns/time"])
            config.join("user", at: "/proc/\(pidA)/ns/user")
            config.join("time", at: "/proc/\(pidA)/ns/time")
            let hostUptime = uptimeSeconds(readText("/proc/uptime"))
            let result = h.rsrun(["run", "-b", try h.bundle(config), h.newID("timensjoin-b")])
            #expect(result.ok, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            let uptime = Double(lines.first?.split(separator: " ").first ?? "") ?? 0
            expectShiftedADay(uptime, from: hostUptime)
            #expect(lines.last == Harness.namespaceLink(pidA, "time"), "\(result)")
        }

        /// A holder process in a mount namespace of its own that shares the host's paths, made
        /// where this mode's rsrun has the capabilities to join it: by root; by the test user
        /// in a user namespace of its own (joined too); in the userns modes inside their user
        /// namespace. It is the pid to give.
        static func mountNamespaceHolder(_ h: Harness) -> Subprocess? {
            let unshare = [Env.unshare!, "--mount", "--propagation", "private"]
            var argv: [String]
            switch h.mode {
            case .root:
                argv = unshare
            case .user, .userns, .usernsSubids:
                let user = h.user!
                argv = [Env.setpriv!, "--reuid=\(user.uid)", "--regid=\(user.gid)", "--init-groups", Env.envTool!, "-i", "PATH=\(Env.standardPath)"]
                if h.mode == .user {
                    argv += unshare + ["--user", "--map-root-user"]
                } else {
                    guard let holder = h.userNamespaceHolder() else { return nil }
                    argv += [Env.nsenter!, "--user", "--preserve-credentials", "--target", "\(holder)"] + unshare
                }
            }
            guard let process = Subprocess.start(argv + ["sleep", "1000"], env: ["PATH=\(Env.standardPath)"], timeout: 120) else { return nil }
            let ready = poll(timeout: 10) { (readText("/proc/\(process.pid)/comm") ?? "") == "sleep\n" }
            if !ready {
                process.killAndWait()
                return nil
            }
            return process
        }

        @Test("a joined mount namespace gets the container's mounts, and its root is entered with chroot", arguments: Mode.allCases)
        func joinsMountNamespace(_ mode: Mode) throws {
            let h = try Harness(mode, "nsjoinmnt")
            defer { h.cleanup() }
            guard let holder = Self.mountNamespaceHolder(h) else { return try h.skip("cannot start a mount namespace holder with unshare") }
            defer { holder.killAndWait() }
            var config = h.config(["sh", "-c", "readlink /proc/self/ns/mnt; cat /proc/1/cmdline; echo; ls /dev/shm >/dev/null && echo mounted"])
            config.join("user", at: "/proc/\(holder.pid)/ns/user")
            config.join("mount", at: "/proc/\(holder.pid)/ns/mnt")
            let id = h.newID("nsjoinmnt")
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == Harness.namespaceLink(Int(holder.pid), "mnt"), "\(result)")
            #expect(lines.dropFirst().first?.hasPrefix("sh") == true && lines.last == "mounted", "its own /proc and /dev: \(result)")
            // The container's mounts went to the holder's namespace, not to the host's.
            let holderMounts = readText("/proc/\(holder.pid)/mountinfo") ?? ""
            #expect(holderMounts.contains(Env.rootfs + "/proc "), "the holder sees the container's /proc mount: \(holderMounts)")
            expectNothingLeft(h, id: id)
        }
    }
}
