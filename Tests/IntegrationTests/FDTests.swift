// Fds passed into the container: --preserve-fds on run and exec, and systemd socket
// activation (LISTEN_FDS/LISTEN_PID rewritten for the container).

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Harness {
    /// Runs rsrun with fds 3, 4 and 5 open on `files` (opened by the shell, as root, before
    /// the switch to the mode's user). "LISTEN_PID=SELF" in the command or the environment
    /// becomes the pid rsrun will have: every tool on the way execs in place.
    func rsrunWithFDs(_ args: [String], files: [String], extraEnv: [String] = []) -> ProcResult {
        let (argv, env) = command(fullArgs(args, root: .sandbox), extraEnv: extraEnv)
        let opens = files.enumerated().map { "exec \($0.offset + 3)<'\($0.element)'" }.joined(separator: "; ")
        let script = opens + #"""
            ; [ "$LISTEN_PID" = SELF ] && export LISTEN_PID=$$
            for a; do shift; [ "$a" = LISTEN_PID=SELF ] && a="LISTEN_PID=$$"; set -- "$@" "$a"; done
            exec "$@"
            """#
        return Subprocess.run(["/bin/sh", "-c", script, "sh"] + argv, env: env, timeout: 30)
    }

    func fdFiles(_ names: [String]) throws -> [String] {
        try names.map { name in
            let path = "\(sandbox)/\(name)"
            try Data("\(name)\n".utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
    }
}

extension IntegrationTests {
    @Suite struct FDs {
        /// No pipeline (the shell's pipe ends would show up in its list while ls reads it), and
        /// not last (busybox sh would exec ls in its place, listing ls's own directory fd).
        static let script = "cat <&3; cat <&4; ls /proc/$$/fd; exit 0"

        @Test("run --preserve-fds 2 passes fds 3 and 4, not 5", arguments: Mode.allCases)
        func preserveOnRun(_ mode: Mode) throws {
            let h = try Harness(mode, "preserverun")
            defer { h.cleanup() }
            let id = h.newID("preserverun")
            let bundle = try h.bundle(h.config(["sh", "-c", Self.script]))
            let result = h.rsrunWithFDs(["run", "--preserve-fds", "2", "-b", bundle, id], files: try h.fdFiles(["three", "four", "five"]))
            #expect(result.ok && result.stdout == "three\nfour\n0\n1\n2\n3\n4\n", "\(result)")
        }

        @Test("exec --preserve-fds 2 passes fds 3 and 4, not 5", arguments: Mode.allCases)
        func preserveOnExec(_ mode: Mode) throws {
            let h = try Harness(mode, "preserveexec")
            defer { h.cleanup() }
            let id = try h.runDetached(h.config(["sleep", "100"]), "preserveexec")
            let result = h.rsrunWithFDs(["exec", "--preserve-fds", "2", id, "sh", "-c", Self.script],
                                        files: try h.fdFiles(["three", "four", "five"]))
            #expect(result.ok && result.stdout == "three\nfour\n0\n1\n2\n3\n4\n", "\(result)")
        }

        @Test("socket activation: LISTEN_FDS=1 for rsrun's pid passes fd 3 with LISTEN_PID=1, and --preserve-fds 1 adds fd 4", arguments: Mode.allCases)
        func socketActivation(_ mode: Mode) throws {
            let h = try Harness(mode, "listenfds")
            defer { h.cleanup() }
            let id = h.newID("listenfds")
            let bundle = try h.bundle(h.config(["sh", "-c", "echo $LISTEN_FDS $LISTEN_PID; " + Self.script]))
            let result = h.rsrunWithFDs(["run", "--preserve-fds", "1", "-b", bundle, id], files: try h.fdFiles(["three", "four", "five"]),
                                        extraEnv: ["LISTEN_FDS=1", "LISTEN_PID=SELF"])
            #expect(result.ok && result.stdout == "1 1\nthree\nfour\n0\n1\n2\n3\n4\n", "\(result)")
        }
    }
}
