import Core
import Glibc
import Rootless

extension CLI {
    func createOptions(_ flags: Flags) throws -> CreateOptions {
        var options = CreateOptions(bundle: flags["--bundle"] ?? ".")
        options.pidFile = flags["--pid-file"]
        options.consoleSocket = flags["--console-socket"]
        options.noPivot = flags.isSet("--no-pivot")
        options.noNewKeyring = flags.isSet("--no-new-keyring")
        if let n = flags["--preserve-fds"] {
            guard let count = Int(n), count >= 0 else { throw RuntimeError(path: "--preserve-fds", "expected a number, got \"\(n)\"") }
            options.preserveFDs = count
        }
        // runc's rule (go-systemd activation.Files): only fds systemd passed to this very process.
        if let count = CLI.getenv("LISTEN_FDS").flatMap({ Int($0) }), count > 0,
           CLI.getenv("LISTEN_PID").flatMap({ Int32($0) }) == getpid() {
            options.listenFDs = count
        }
        return options
    }

    mutating func create(_ args: ArraySlice<String>) throws -> Int32 {
        let (flags, positionals, _) = try Verbs.create.parse(args)
        let id = try singleID(positionals)
        let runtime = try runtime()
        let created = try runtime.create(id, try createOptions(flags))
        report(created)
        return 0
    }

    mutating func run(_ args: ArraySlice<String>) throws -> Int32 {
        let (flags, positionals, _) = try Verbs.run.parse(args)
        let id = try singleID(positionals)
        return try runtime().run(id, try createOptions(flags), detach: flags.isSet("--detach"), onCreated: { report($0) },
                                 onWarning: { warn($0) })
    }

    mutating func start(_ args: ArraySlice<String>) throws -> Int32 {
        let (_, positionals, _) = try Verbs.start.parse(args)
        for warning in try runtime().start(try singleID(positionals)) { warn(warning) }
        return 0
    }

    mutating func kill(_ args: ArraySlice<String>) throws -> Int32 {
        let (flags, positionals, _) = try Verbs.kill.parse(args)
        let id = try singleID(positionals, extra: 1)
        let signal = try Signals.parse(positionals.count > 1 ? positionals[1] : "TERM")
        try runtime().kill(id, signal: signal, all: flags.isSet("--all"))
        return 0
    }

    mutating func delete(_ args: ArraySlice<String>) throws -> Int32 {
        let (flags, positionals, _) = try Verbs.delete.parse(args)
        for warning in try runtime().delete(try singleID(positionals), force: flags.isSet("--force")) { warn(warning) }
        return 0
    }

    mutating func pause(_ args: ArraySlice<String>, frozen: Bool) throws -> Int32 {
        let (_, positionals, _) = try (frozen ? Verbs.pause : Verbs.resume).parse(args)
        try runtime().pause(try singleID(positionals), frozen)
        return 0
    }

    /// Fields that are parsed but not applied yet are never dropped silently: they go to the
    /// log as a warning (and to stderr with --debug), without failing the create.
    func report(_ created: CreatedContainer) {
        if !created.unapplied.isEmpty { logger.warning("not applied yet: " + created.unapplied.joined(separator: ", ")) }
        for note in created.notes { logger.warning(note) }
        // Not on stderr: after a successful create, stderr is the container's own (conmon and
        // containerd hand create the container's stdio), so a line there would land in the
        // container's log and in `podman run -it` output. runc and crun keep quiet the same way.
        for warning in created.warnings { logger.warning(warning) }
        if let maps = created.idMapping {
            let how = created.spawned.pooledFrom.map { "in a user namespace the pool made ahead (holder \($0))" } ?? "written"
            logger.debugMessage("id maps \(how) by \(maps.methodName): uid \(maps.uids.map(\.text).joined(separator: " ")), gid \(maps.gids.map(\.text).joined(separator: " "))")
        }
    }
}
