// `make install` into a temporary prefix with the binary under test (BINARY=, so nothing is
// built), then the installed man page through man(1) and the installed bash completion
// through bash, and `make uninstall`.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension IntegrationTests {
    @Suite struct Install {
        static let examples = ["containers.conf", "daemon.json", "containerd-config.toml", "README.md"]

        static func make(_ h: Harness, _ args: [String]) throws -> ProcResult {
            guard let make = Env.findTool("make") else {
                try h.skip("make is not installed (package make)")
                return ProcResult(argv: ["make"], status: 127, signal: nil, stdout: "", stderr: "", timedOut: false)
            }
            return Subprocess.run(
                [make, "-C", Env.packageRoot] + args + ["BINARY=\(Env.binary)"], env: ["PATH=\(Env.standardPath)"],
                timeout: 60)
        }

        /// Runs bash with the completion script sourced and COMP_WORDS set to `words` (the
        /// last one being completed); returns COMPREPLY, one entry a line.
        static func complete(_ script: String, _ words: [String]) -> (replies: [String], result: ProcResult) {
            let quoted = words.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            let program = """
                source '\(script)' || exit 3
                COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); COMPREPLY=()
                _rsrun
                printf '%s\\n' "${COMPREPLY[@]}"
                """
            let result = Subprocess.run(
                ["/bin/bash", "--norc", "--noprofile", "-c", program], env: ["PATH=\(Env.standardPath)"], timeout: 30)
            return (result.stdout.split(separator: "\n").map(String.init), result)
        }

        @Test("make install PREFIX=… BINARY=…: binary, man page, completion, examples; make uninstall removes them")
        func installAndUninstall() throws {
            let h = try Harness(.root, "install")
            defer { h.cleanup() }
            let prefix = "\(h.sandbox)/prefix"
            let install = try Install.make(h, ["install", "PREFIX=\(prefix)"])
            try #require(install.ok, "\(install)")
            #expect(!install.stdout.contains("swift build"), "install built instead of taking BINARY: \(install)")

            let binary = "\(prefix)/bin/rsrun"
            let page = "\(prefix)/share/man/man1/rsrun.1"
            let completion = "\(prefix)/share/bash-completion/completions/rsrun"
            let exampleDir = "\(prefix)/share/rsrun/examples"
            #expect(access(binary, X_OK) == 0, "no executable \(binary)")
            let version = Subprocess.run([binary, "--version"], env: [])
            #expect(version.ok && version.stdout.hasPrefix("rsrun version "), "\(version)")
            for file in [page, completion] + Install.examples.map({ "\(exampleDir)/\($0)" }) {
                #expect(fileExists(file), "\(file) not installed")
            }
            // The examples name the binary where this install put it.
            for name in ["containers.conf", "daemon.json", "containerd-config.toml"] {
                let text = readText("\(exampleDir)/\(name)") ?? ""
                #expect(text.contains(binary) && !text.contains("/usr/local/bin/rsrun"), "\(name): \(text)")
            }
            let daemon = try? JSONSerialization.jsonObject(with: Data((readText("\(exampleDir)/daemon.json") ?? "").utf8))
            let path = ((daemon as? [String: Any])?["runtimes"] as? [String: Any]).flatMap { $0["rsrun"] as? [String: Any] }?["path"]
            #expect(path as? String == binary, "daemon.json: \(String(describing: daemon))")

            let uninstall = try Install.make(h, ["uninstall", "PREFIX=\(prefix)"])
            #expect(uninstall.ok, "\(uninstall)")
            for file in [binary, page, completion, exampleDir, "\(prefix)/share/rsrun"] {
                #expect(!fileExists(file), "\(file) left by make uninstall")
            }
        }

        @Test("DESTDIR stages the files; the examples still name PREFIX's binary")
        func destdir() throws {
            let h = try Harness(.root, "install-destdir")
            defer { h.cleanup() }
            let dest = "\(h.sandbox)/dest"
            let install = try Install.make(h, ["install", "PREFIX=/opt/rsrun-test", "DESTDIR=\(dest)"])
            try #require(install.ok, "\(install)")
            #expect(access("\(dest)/opt/rsrun-test/bin/rsrun", X_OK) == 0)
            #expect(!fileExists("/opt/rsrun-test"), "install wrote outside DESTDIR")
            let conf = readText("\(dest)/opt/rsrun-test/share/rsrun/examples/containers.conf") ?? ""
            #expect(conf.contains("\"/opt/rsrun-test/bin/rsrun\""), "\(conf)")
        }

        @Test("man -l renders the installed page without warnings, every command in it")
        func manPage() throws {
            let h = try Harness(.root, "install-man")
            defer { h.cleanup() }
            let prefix = "\(h.sandbox)/prefix"
            try #require(try Install.make(h, ["install", "PREFIX=\(prefix)"]).ok)
            guard let man = Env.findTool("man") else {
                try h.skip("man is not installed (package man-db)")
                return
            }
            let page = "\(prefix)/share/man/man1/rsrun.1"
            let rendered = Subprocess.run(
                [man, "--warnings", "-l", "-P", "cat", page],
                env: ["PATH=\(Env.standardPath)", "MANWIDTH=80", "LC_ALL=C.UTF-8", "MAN_DISABLE_SECCOMP=1"], timeout: 60)
            try #require(rendered.ok, "\(rendered)")
            #expect(rendered.stderr.isEmpty, "groff warnings: \(rendered.stderr)")
            let text = rendered.stdout
            for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS", "ENVIRONMENT", "FILES", "EXIT STATUS", "SEE ALSO"] {
                #expect(text.contains("\n\(heading)\n"), "no \(heading): \(text.prefix(400))")
            }
            for verb in Help.verbs {
                #expect(text.contains("rsrun \(verb)"), "\(verb) is not in the man page")
            }
            // Flags come out as ASCII hyphens, as one types them.
            for flag in ["--bundle", "--console-socket", "--systemd-cgroup", "-p, --process"] {
                #expect(text.contains(flag), "\(flag) is not in the rendered page")
            }
            for variable in ["XDG_RUNTIME_DIR", "NOTIFY_SOCKET", "LISTEN_FDS"] { #expect(text.contains(variable)) }
            for file in ["/run/rsrun", "$XDG_RUNTIME_DIR/rsrun"] { #expect(text.contains(file)) }
        }

        @Test("the installed bash completion: verbs, flags, values, signals and container ids")
        func bashCompletion() throws {
            let h = try Harness(.root, "install-completion")
            defer { h.cleanup() }
            let prefix = "\(h.sandbox)/prefix"
            try #require(try Install.make(h, ["install", "PREFIX=\(prefix)"]).ok)
            let script = "\(prefix)/share/bash-completion/completions/rsrun"
            let binary = "\(prefix)/bin/rsrun"

            let verb = Install.complete(script, ["rsrun", "de"])
            #expect(verb.replies == ["delete"], "\(verb.result)")
            let all = Install.complete(script, ["rsrun", ""])
            #expect(all.replies == Help.verbs, "\(all.result)")
            let flag = Install.complete(script, ["rsrun", "create", "--b"])
            #expect(flag.replies == ["--bundle"], "\(flag.result)")
            let global = Install.complete(script, ["rsrun", "--sys"])
            #expect(global.replies == ["--systemd-cgroup"], "\(global.result)")
            let format = Install.complete(script, ["rsrun", "--log-format", ""])
            #expect(format.replies == ["text", "json"], "\(format.result)")
            let joined = Install.complete(script, ["rsrun", "ps", "--format", "=", "j"])
            #expect(joined.replies == ["json"], "\(joined.result)")
            let signal = Install.complete(script, ["rsrun", "kill", "c1", "KI"])
            #expect(signal.replies == ["KILL"], "\(signal.result)")
            let helpVerb = Install.complete(script, ["rsrun", "help", "upd"])
            #expect(helpVerb.replies == ["update"], "\(helpVerb.result)")
            // File names for --bundle (a directory here) and --pid-file.
            try h.makeDirectory("\(h.sandbox)/bundle-dir-x")
            let bundle = Install.complete(script, ["rsrun", "run", "--bundle", "\(h.sandbox)/bundle-dir-"])
            #expect(bundle.replies == ["\(h.sandbox)/bundle-dir-x"], "\(bundle.result)")
            #expect(FileManager.default.createFile(atPath: "\(h.sandbox)/pid-file-x", contents: nil))
            let pidFile = Install.complete(script, ["rsrun", "create", "--pid-file", "\(h.sandbox)/pid-file-"])
            #expect(pidFile.replies == ["\(h.sandbox)/pid-file-x"], "\(pidFile.result)")
            // After exec's id, the words are the container's command: nothing to offer.
            let command = Install.complete(script, ["rsrun", "exec", "c1", "--"])
            #expect(command.replies.isEmpty, "\(command.result)")

            // Container ids from `rsrun --root … list -q`, with the --root of the command line.
            let id = h.newID("compl")
            let created = h.rsrun("create", "-b", try h.bundle(h.config(["sleep", "100"])), id)
            try #require(created.ok, "\(created)")
            let ids = Install.complete(script, [binary, "--root", h.stateRoot, "delete", ""])
            #expect(ids.replies == [id], "\(ids.result)")
            let idsJoined = Install.complete(script, [binary, "--root", "=", h.stateRoot, "kill", "--all", String(id.prefix(8))])
            #expect(idsJoined.replies == [id], "\(idsJoined.result)")
            // create takes a new id: existing ones are not offered.
            let newID = Install.complete(script, [binary, "--root", h.stateRoot, "create", ""])
            #expect(newID.replies.isEmpty, "\(newID.result)")
        }
    }
}
