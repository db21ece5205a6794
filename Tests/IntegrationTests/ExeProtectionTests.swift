// CVE-2019-5736: nothing in the container may reach the rsrun binary on the host through
// /proc/<pid>/exe: not through a "#!/proc/self/exe" program run by `exec` or `run` (the
// kernel resolves the interpreter in the process that calls execve), and not through a
// created container's init, which is rsrun until `start`.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension IntegrationTests {
    @Suite struct ExeProtection {
        static let refusal = "the exec trampoline only starts container programs for rsrun"

        /// A config with a tmpfs /tmp and, at /tmp/evil, a script whose interpreter is /proc/self/exe.
        static func evilConfig(_ h: Harness, _ args: [String]) throws -> Config {
            let script = "\(h.sandbox)/evil"
            try "#!/proc/self/exe\n".write(toFile: script, atomically: false, encoding: .utf8)
            chmod(script, 0o755)
            var config = h.config(args)
            config.addMount(["destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]])
            config.addMount(["destination": "/tmp/evil", "type": "bind", "source": script, "options": ["bind", "ro"]])
            return config
        }

        static func binaryBytes() -> Data? { FileManager.default.contents(atPath: Env.binary) }

        @Test("a '#!/proc/self/exe' program meets the sealed trampoline, not rsrun, under exec and run", arguments: Mode.allCases)
        func selfExeInterpreter(_ mode: Mode) throws {
            let h = try Harness(mode, "exescript")
            defer { h.cleanup() }
            let before = Self.binaryBytes()
            let id = try h.runDetached(Self.evilConfig(h, ["sleep", "100"]), "exescript")
            let exec = h.rsrun("exec", id, "/tmp/evil")
            #expect(exec.status == 126 && exec.stderr.contains(Self.refusal), "\(exec)")
            // The program itself is what /proc/self/exe shows once it runs, not the trampoline.
            let exe = h.rsrun("exec", id, "readlink", "/proc/self/exe")
            #expect(exe.ok && exe.stdout == "/bin/busybox\n", "\(exe)")

            let run = h.rsrun("run", "-b", try h.bundle(Self.evilConfig(h, ["/tmp/evil"])), h.newID("exescriptrun"))
            #expect(run.status == 126 && run.stderr.contains(Self.refusal), "\(run)")
            #expect(Self.binaryBytes() == before, "the rsrun binary changed")
        }

        @Test("a created container's init, still rsrun, cannot be opened or written through /proc/1/exe", arguments: Mode.allCases)
        func createdInit(_ mode: Mode) throws {
            let h = try Harness(mode, "execreated")
            defer { h.cleanup() }
            let id = h.newID("execreated")
            let create = h.rsrun("create", "-b", try h.bundle(h.config(["sleep", "100"])), id)
            try #require(create.ok, "\(create)")
            let open = h.rsrun("exec", id, "sh", "-c", "exec 3</proc/1/exe && echo opened")
            let write = h.rsrun("exec", id, "sh", "-c", "exec 3<>/proc/1/exe && echo opened")
            #expect(write.stdout.isEmpty && write.stderr.contains("Permission denied"), "\(write)")
            if mode == .user {
                // The binary is root's: the init stays dumpable (so that `exec` works before
                // `start`), and the container can look at it but not write it.
                #expect(open.ok && open.stdout == "opened\n", "\(open)")
            } else {
                #expect(open.stdout.isEmpty && open.stderr.contains("Permission denied"), "\(open)")
            }
            let start = h.rsrun("start", id)
            #expect(start.ok, "\(start)")
            // After start, /proc/1/exe is the container's own program.
            let after = h.rsrun("exec", id, "readlink", "/proc/1/exe")
            #expect(after.ok && after.stdout == "/bin/busybox\n", "\(after)")
        }

        @Test("an unprivileged user's own rsrun binary is hidden while created, and exec says why")
        func userOwnedBinary() throws {
            let h = try Harness(.user, "exeowned")
            defer { h.cleanup() }
            let user = try #require(h.user)
            let copy = "\(h.sandbox)/rsrun-copy"
            try FileManager.default.copyItem(atPath: Env.binary, toPath: copy)
            chown(copy, user.uid, user.gid)
            chmod(copy, 0o755)
            func rsrunCopy(_ args: String...) -> ProcResult {
                let (argv, env) = h.command(h.fullArgs(args, root: .sandbox))
                return Subprocess.run(argv.map { $0 == Env.binary ? copy : $0 }, env: env, timeout: 30)
            }
            let id = h.newID("exeowned")
            let create = rsrunCopy("create", "-b", try h.bundle(h.config(["sleep", "100"])), id)
            try #require(create.ok, "\(create)")
            let exec = rsrunCopy("exec", id, "true")
            expectOneLineError(exec)
            #expect(exec.stderr.contains("writable by you") && exec.stderr.contains("start the container first"), "\(exec)")
            #expect(rsrunCopy("start", id).ok)
            let after = rsrunCopy("exec", id, "readlink", "/proc/1/exe")
            #expect(after.ok && after.stdout == "/bin/busybox\n", "\(after)")
            #expect(rsrunCopy("delete", "-f", id).ok)
        }

        @Test("a seccomp profile that refuses execveat keeps the direct execve: the container still runs", arguments: Mode.allCases)
        func seccompWithoutExecveat(_ mode: Mode) throws {
            let h = try Harness(mode, "exeseccomp")
            defer { h.cleanup() }
            var config = h.config(["sh", "-c", "echo ran; readlink /proc/self/exe"])
            config.set("linux.seccomp", [
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [["names": ["execveat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1]],
            ])
            let run = h.rsrun("run", "-b", try h.bundle(config), h.newID("exeseccomp"))
            #expect(run.ok && run.stdout == "ran\n/bin/busybox\n", "\(run)")
        }
    }
}
