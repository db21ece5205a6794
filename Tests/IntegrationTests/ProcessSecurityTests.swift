// Process security as the container sees it in /proc/self/status: capability sets,
// NoNewPrivs, rlimits and oom_score_adj; and the limits only root on the host may set.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The Cap*, NoNewPrivs and Seccomp lines of /proc/self/status, keyed by field.
func statusFields(_ text: String) -> [String: String] {
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { continue }
        fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces)
    }
    return fields
}

/// A capability mask as /proc/self/status prints it (16 hex digits).
func capabilityMask(_ numbers: [Int]) -> String {
    let bits = numbers.reduce(UInt64(0)) { $0 | (1 << UInt64($1)) }
    let hex = String(bits, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

extension IntegrationTests {
    @Suite struct ProcessSecurity {
        static let statusScript = "grep -E '^(Cap|NoNewPrivs|Seccomp:)' /proc/self/status"

        @Test("default capabilities (AUDIT_WRITE, KILL, NET_BIND_SERVICE) and noNewPrivileges", arguments: Mode.allCases)
        func defaultProfile(_ mode: Mode) throws {
            let h = try Harness(mode, "capdefault")
            defer { h.cleanup() }
            let id = h.newID("capdefault")
            var config = h.config(["sh", "-c", Self.statusScript])
            let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
            config.set("process.capabilities", ["bounding": caps, "effective": caps, "permitted": caps])
            config.set("process.noNewPrivileges", true)
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok, "\(result)")
            let fields = statusFields(result.stdout)
            let mask = capabilityMask([29, 5, 10])
            // Root execs with permitted = bounding (| inheritable); nothing is inheritable or ambient.
            #expect(fields["CapBnd"] == mask && fields["CapPrm"] == mask && fields["CapEff"] == mask, "\(result)")
            #expect(fields["CapInh"] == capabilityMask([]) && fields["CapAmb"] == capabilityMask([]), "\(result)")
            #expect(fields["NoNewPrivs"] == "1", "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("uid 1000 with ambient NET_BIND_SERVICE and KILL keeps exactly those across setresuid and execve", arguments: wideModes)
        func ambientForNonRoot(_ mode: Mode) throws {
            let h = try Harness(mode, "capambient")
            defer { h.cleanup() }
            try h.requireWideMaps()
            let id = h.newID("capambient")
            var config = h.wideConfig(Self.statusScript)
            let caps = ["CAP_NET_BIND_SERVICE", "CAP_KILL"]
            config.set("process.capabilities", ["bounding": caps, "effective": caps, "permitted": caps, "inheritable": caps, "ambient": caps])
            config.set("process.user", ["uid": 1000, "gid": 1000])
            config.set("process.noNewPrivileges", false)
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok, "\(result)")
            let fields = statusFields(result.stdout)
            let mask = capabilityMask([10, 5])
            for field in ["CapBnd", "CapPrm", "CapEff", "CapInh", "CapAmb"] {
                #expect(fields[field] == mask, "\(field): \(result)")
            }
            #expect(fields["NoNewPrivs"] == "0", "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("rlimits and oom_score_adj as configured", arguments: Mode.allCases)
        func limits(_ mode: Mode) throws {
            let h = try Harness(mode, "limits")
            defer { h.cleanup() }
            let id = h.newID("limits")
            var config = h.config(["sh", "-c", "ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj"])
            config.set("process.rlimits", [["type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000]])
            config.set("process.oomScoreAdj", 500)
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && fieldsPerLine(result.stdout) == ["512", "1000", "500"], "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("without root on the host: a higher hard limit, a lower oom_score_adj, real-time scheduling are refused up front",
              arguments: [Mode.user, .userns, .usernsSubids])
        func hostOnlyLimits(_ mode: Mode) throws {
            let h = try Harness(mode, "hostonly")
            defer { h.cleanup() }
            let cases: [(String, Any, [String])] = [
                ("process.rlimits", [["type": "RLIMIT_NOFILE", "soft": 64, "hard": UInt64.max]], ["process.rlimits[0]", "CAP_SYS_RESOURCE"]),
                ("process.oomScoreAdj", -900, ["process.oomScoreAdj", "CAP_SYS_RESOURCE"]),
                ("process.scheduler", ["policy": "SCHED_FIFO", "priority": 10], ["process.scheduler.policy", "CAP_SYS_NICE"]),
                ("process.ioPriority", ["class": "IOPRIO_CLASS_RT", "priority": 0], ["process.ioPriority.class", "CAP_SYS_ADMIN"]),
            ]
            for (field, value, keywords) in cases {
                let id = h.newID("hostonly")
                var config = h.config(["true"])
                config.set(field, value)
                let result = h.rsrun(["create", "-b", try h.bundle(config), id])
                expectOneLineError(result)
                for keyword in keywords { #expect(mentions(result.stderr, keyword), "\(keyword): \(result)") }
                expectNothingLeft(h, id: id)
            }
        }

        /// Rootless docker: containerd's shim raises its score to containerd's + 1 without privilege,
        /// and docker asks for 0; the kernel allows going back down to the floor it keeps.
        @Test("without root on the host: oom_score_adj below rsrun's own raised score but above the floor is set",
              arguments: [Mode.user, .userns, .usernsSubids])
        func oomScoreBackToFloor(_ mode: Mode) throws {
            let h = try Harness(mode, "oomfloor")
            defer { h.cleanup() }
            let floor = Int(readText("/proc/self/oom_score_adj")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
            if floor > 900 { try h.skip("our own oom_score_adj \(floor) leaves no room to raise it") }
            let id = h.newID("oomfloor")
            var config = h.config(["cat", "/proc/self/oom_score_adj"])
            config.set("process.oomScoreAdj", floor)
            let (argv, env) = h.command(h.fullArgs(["run", "-b", try h.bundle(config), id], root: .sandbox))
            // rsrun starts 100 above the score it inherits, raised without privilege as the shim does.
            let at = try #require(argv.lastIndex(of: Env.binary), "no rsrun in \(argv)")
            let raise = ["/bin/sh", "-c", "echo \(floor + 100) > /proc/self/oom_score_adj && exec \"$0\" \"$@\""]
            let result = Subprocess.run(Array(argv[..<at]) + raise + Array(argv[at...]), env: env, timeout: 30)
            #expect(result.ok && result.stdout == "\(floor)\n", "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("masked: a file reads empty, a directory is empty; read-only paths refuse writes", arguments: Mode.allCases)
        func maskedAndReadonly(_ mode: Mode) throws {
            let h = try Harness(mode, "paths")
            defer { h.cleanup() }
            let id = h.newID("paths")
            var config = h.config(["sh", "-c", "wc -c < /proc/timer_list; ls -A /sys/firmware | wc -l; (echo x > /proc/sys/kernel/domainname) 2>&1; touch /sys/firmware/x 2>&1"])
            config.set("linux.maskedPaths", ["/proc/timer_list", "/sys/firmware"])
            config.set("linux.readonlyPaths", ["/proc/sys"])
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            let lines = fieldsPerLine(result.stdout)
            #expect(lines.count == 4 && lines[0] == "0" && lines[1] == "0", "\(result)")
            #expect(lines.count == 4 && mentions(lines[2], "Read-only file system") && mentions(lines[3], "Read-only file system"), "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("namespaced sysctls are written inside the container: net (dots or slashes), ipc, uts", arguments: Mode.allCases)
        func sysctls(_ mode: Mode) throws {
            let h = try Harness(mode, "sysctl")
            defer { h.cleanup() }
            let id = h.newID("sysctl")
            var config = h.config(["cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start", "/proc/sys/kernel/shmmni", "/proc/sys/kernel/domainname"])
            config.set("linux.sysctl", ["net/ipv4/ip_unprivileged_port_start": "80", "kernel.shmmni": "2048", "kernel.domainname": "example.test"])
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && fieldsPerLine(result.stdout) == ["80", "2048", "example.test"], "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("scheduler and I/O priority that need no privilege: SCHED_BATCH nice 5, best-effort level 6", arguments: Mode.allCases)
        func scheduling(_ mode: Mode) throws {
            let h = try Harness(mode, "sched")
            defer { h.cleanup() }
            let id = h.newID("sched")
            // Field 19 of /proc/self/stat is the nice value, 41 the policy (3: SCHED_BATCH).
            var config = h.config(["sh", "-c", "cut -d' ' -f19,41 /proc/self/stat"])
            config.set("process.scheduler", ["policy": "SCHED_BATCH", "nice": 5])
            config.set("process.ioPriority", ["class": "IOPRIO_CLASS_BE", "priority": 6])
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && fieldsPerLine(result.stdout) == ["5 3"], "\(result)")
            expectNothingLeft(h, id: id)
        }
    }
}
