import Rootless

extension CLI {
    /// `help [VERB]`, `help --man`, `help --completion bash`.
    mutating func help(_ args: ArraySlice<String>) throws -> Int32 {
        // `help --help` was answered before the verb ran (CLI.main).
        let (flags, positionals, _) = try Verbs.help.parse(args)
        if flags.isSet("--man") || flags["--completion"] != nil {
            if let extra = positionals.first { throw RuntimeError("unexpected argument \"\(extra)\"") }
            if flags.isSet("--man") && flags["--completion"] != nil {
                throw RuntimeError(path: "--man", "cannot be combined with --completion")
            }
        }
        if flags.isSet("--man") {
            FileIO.writeAll(fd: 1, Array(ManPage.render().utf8))
            return 0
        }
        if let shell = flags["--completion"] {
            guard shell == "bash" else { throw RuntimeError(path: "--completion", "only bash is supported, got \"\(shell)\"") }
            FileIO.writeAll(fd: 1, Array(BashCompletion.render().utf8))
            return 0
        }
        if positionals.count > 1 { throw RuntimeError("unexpected argument \"\(positionals[1])\"") }
        guard let name = positionals.first else {
            Output.out(HelpText.overview())
            return 0
        }
        guard let verb = Verbs.named(name) else { throw RuntimeError("unknown command \"\(name)\"; see rsrun help") }
        Output.out(HelpText.verb(verb))
        return 0
    }

    mutating func version(_ args: ArraySlice<String>) throws -> Int32 {
        let (_, positionals, _) = try Verbs.version.parse(args)
        if let extra = positionals.first { throw RuntimeError("unexpected argument \"\(extra)\"") }
        printVersion()
        return 0
    }
}
