// `rsrun help`: the overview, per-verb help that lists every flag the parser takes (and no
// flag it refuses), and one-line errors for what is not a command.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension IntegrationTests {
    @Suite struct Help {
        /// The verbs the issue names; the help must list each of them.
        static let verbs = [
            "create", "start", "run", "exec", "state", "kill", "ps", "delete", "pause", "resume", "update", "events",
            "list", "spec", "features", "help", "version",
        ]

        /// Flags engines pass (conmon, containerd-shim-runc-v2, docker): their help must show them.
        static let engineFlags: [String: [String]] = [
            "": ["--root", "--log", "--log-format", "--debug", "--systemd-cgroup"],
            "create": ["--bundle", "--pid-file", "--console-socket", "--no-new-keyring", "--no-pivot", "--preserve-fds"],
            "run": ["--bundle", "--pid-file", "--console-socket", "--detach"],
            "exec": ["--process", "--detach", "--pid-file", "--console-socket", "--tty", "--preserve-fds"],
            "kill": ["--all"],
            "delete": ["--force"],
            "update": ["--resources"],
            "ps": ["--format"],
        ]

        /// rsrun as root with the sandbox as its working directory (so `spec` and friends
        /// write nowhere else).
        static func rsrun(_ h: Harness, _ args: [String]) -> ProcResult {
            Subprocess.run([Env.envTool!, "-C", h.sandbox, Env.binary] + args, env: ["PATH=\(Env.standardPath)"], timeout: 30)
        }

        /// The lines of a help section ("Commands:", "Options:", ...) up to the blank line.
        static func section(_ text: String, _ title: String) -> [String] {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let start = lines.firstIndex(of: title) else { return [] }
            return Array(lines[(start + 1)...].prefix { !$0.isEmpty })
        }

        /// The flags an Options section lists: (spelling, takes a value).
        static func flags(_ lines: [String]) -> [(String, Bool)] {
            var result: [(String, Bool)] = []
            for line in lines {
                let trimmed = line.drop { $0 == " " }
                guard trimmed.hasPrefix("-") else { continue }
                // The label ends where two spaces start the help (or at the end of the line).
                let label = trimmed.components(separatedBy: "  ")[0]
                let parts = label.components(separatedBy: ", ")
                let last = parts.last!.split(separator: " ")
                let takesValue = last.count > 1
                for (i, part) in parts.enumerated() {
                    result.append((i == parts.count - 1 ? String(last[0]) : part, takesValue))
                }
            }
            return result
        }

        static func expectWithin80Columns(_ result: ProcResult, sourceLocation: SourceLocation = #_sourceLocation) {
            for line in result.stdout.split(separator: "\n") where line.count > 80 {
                Issue.record("wider than 80 columns: \(line) in \(result.argv)", sourceLocation: sourceLocation)
            }
        }

        @Test("help, --help and -h: the overview lists every command and global option, in 80 columns")
        func overview() throws {
            let h = try Harness(.root, "help")
            defer { h.cleanup() }
            let help = Help.rsrun(h, ["help"])
            #expect(help.ok && help.stderr.isEmpty, "\(help)")
            Help.expectWithin80Columns(help)
            let listed = Help.section(help.stdout, "Commands:").compactMap { $0.split(separator: " ").first.map(String.init) }
            #expect(listed == Help.verbs, "\(help)")
            let globals = Help.flags(Help.section(help.stdout, "Global options:")).map(\.0)
            for flag in Help.engineFlags[""]! { #expect(globals.contains(flag), "\(flag) missing: \(help)") }
            for same in [["--help"], ["-h"]] {
                let other = Help.rsrun(h, same)
                #expect(other.ok && other.stdout == help.stdout, "\(other)")
            }
            let nothing = Help.rsrun(h, [])
            expectOneLineError(nothing)
        }

        @Test("help VERB lists every flag the verb takes; the parser takes each and refuses others", arguments: Help.verbs)
        func verbHelp(_ verb: String) throws {
            let h = try Harness(.root, "help-\(verb)")
            defer { h.cleanup() }
            let help = Help.rsrun(h, ["help", verb])
            try #require(help.ok && help.stderr.isEmpty, "\(help)")
            Help.expectWithin80Columns(help)
            #expect(help.stdout.hasPrefix("rsrun \(verb): "), "\(help)")
            #expect(help.stdout.contains("Usage: rsrun \(verb)"), "\(help)")
            // The same text however help is asked for.
            for args in [[verb, "--help"], [verb, "-h"], ["--help", verb]] {
                let other = Help.rsrun(h, args)
                #expect(other.ok && other.stdout == help.stdout, "\(other)")
            }

            let flags = Help.flags(Help.section(help.stdout, "Options:"))
            #expect(flags.contains { $0.0 == "--help" } && flags.contains { $0.0 == "-h" }, "\(help)")
            for flag in Help.engineFlags[verb] ?? [] {
                #expect(flags.contains { $0.0 == flag }, "\(flag) missing: \(help)")
            }
            let root = ["--root", "\(h.sandbox)/state"]
            for (flag, takesValue) in flags where flag != "--help" && flag != "-h" {
                // No container id: every verb stops after parsing (or lists an empty root).
                let args = root + [verb, flag] + (takesValue ? ["\(h.sandbox)/value"] : [])
                let result = Help.rsrun(h, args)
                #expect(!result.stderr.contains("unknown flag") && !result.stderr.contains("needs a value")
                        && !result.stderr.contains("takes no value"), "help lists \(flag) but: \(result)")
                #expect(!result.timedOut, "\(result)")
            }
            let unknown = Help.rsrun(h, root + [verb, "--no-such-flag"])
            expectOneLineError(unknown)
            #expect(unknown.stderr.contains("unknown flag"), "\(unknown)")
        }

        @Test("global options: each one help lists is taken")
        func globalFlags() throws {
            let h = try Harness(.root, "help-global")
            defer { h.cleanup() }
            let help = Help.rsrun(h, ["help"])
            for (flag, takesValue) in Help.flags(Help.section(help.stdout, "Global options:")) {
                let result = Help.rsrun(h, [flag] + (takesValue ? ["\(h.sandbox)/value"] : []))
                #expect(!result.stderr.contains("unknown flag") && !result.stderr.contains("needs a value")
                        && !result.stderr.contains("takes no value"), "help lists \(flag) but: \(result)")
            }
            expectOneLineError(Help.rsrun(h, ["--no-such-flag", "list"]))
        }

        @Test("an unknown command is a one-line error, however help is asked for")
        func unknownVerb() throws {
            let h = try Harness(.root, "help-unknown")
            defer { h.cleanup() }
            for args in [["help", "nosuchverb"], ["nosuchverb"], ["nosuchverb", "--help"], ["--help", "nosuchverb"]] {
                let result = Help.rsrun(h, args)
                expectOneLineError(result)
                #expect(result.stdout.isEmpty, "\(result)")
                #expect(result.stderr.contains("unknown command \"nosuchverb\""), "\(result)")
            }
            expectOneLineError(Help.rsrun(h, ["help", "create", "extra"]))
            let zsh = Help.rsrun(h, ["help", "--completion", "zsh"])
            expectOneLineError(zsh)
            #expect(zsh.stderr.contains("--completion"), "\(zsh)")
        }

        @Test("help --man is roff and help --completion bash is a bash script defining _rsrun")
        func generated() throws {
            let h = try Harness(.root, "help-generated")
            defer { h.cleanup() }
            let man = Help.rsrun(h, ["help", "--man"])
            #expect(man.ok && man.stderr.isEmpty, "\(man)")
            #expect(man.stdout.contains("\n.TH RSRUN 1 "), "\(man.stdout.prefix(300))")
            for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS", "ENVIRONMENT", "FILES", "EXIT STATUS", "SEE ALSO"] {
                #expect(man.stdout.contains("\n.SH \(heading)\n"), "no \(heading) section")
            }
            for verb in Help.verbs { #expect(man.stdout.contains("\n.SS \(verb)\n"), "no \(verb) in the man page") }
            let completion = Help.rsrun(h, ["help", "--completion", "bash"])
            #expect(completion.ok && completion.stderr.isEmpty, "\(completion)")
            #expect(completion.stdout.contains("_rsrun()") && completion.stdout.contains("complete -F _rsrun rsrun"))
            let script = "\(h.sandbox)/completion.bash"
            try completion.stdout.write(toFile: script, atomically: true, encoding: .utf8)
            let syntax = Subprocess.run(["/bin/bash", "-n", script], env: ["PATH=\(Env.standardPath)"])
            #expect(syntax.ok, "\(syntax)")
        }
    }
}
