import Core
import Glibc
import Rootless

struct CLI {
    static let version = "0.1.0"
    static let specVersion = Spec.version

    var logger = Logger()
    var stateRoot: String?
    var rootless = Identity.Override.auto
    var systemdCgroup = false
    /// "verb id" for the error prefix, filled in as soon as they are known.
    var context = ""

    static let globalFlags = FlagTable(Verbs.global)

    mutating func main(_ args: [String]) throws -> Int32 {
        let (flags, _, rest) = try CLI.globalFlags.parse(args[...], stopAtFirstPositional: true)
        if let format = flags["--log-format"] {
            guard let parsed = Logger.Format(rawValue: format) else {
                throw RuntimeError(path: "--log-format", "must be text or json, got \"\(format)\"")
            }
            logger.format = parsed
        }
        logger.path = flags["--log"]
        logger.debug = flags.isSet("--debug")
        stateRoot = flags["--root"]
        systemdCgroup = flags.isSet("--systemd-cgroup")
        if let value = flags["--rootless"] {
            guard let parsed = Identity.Override(rawValue: value) else {
                throw RuntimeError(path: "--rootless", "must be auto, true or false, got \"\(value)\"")
            }
            rootless = parsed
        }
        if flags.isSet("--version") { printVersion(); return 0 }
        guard let verb = rest.first else {
            if flags.isSet("--help") { Output.out(HelpText.overview()); return 0 }
            throw RuntimeError("no command given; see rsrun --help")
        }
        context = verb
        let verbArgs = rest.dropFirst()
        // Each verb parses with its own entry of the table, so no verb can take a flag its help
        // does not show. Here only a possible --help is answered (parsed properly, since
        // `exec ID sh -h` is the command's -h); without one, nothing is parsed twice.
        let mayAskHelp = flags.isSet("--help") || verbArgs.contains { $0 == "-h" || $0.hasPrefix("--help") || $0.hasPrefix("-help") }
        if mayAskHelp, let known = Verbs.named(verb) {
            let parsed = try known.parse(verbArgs)
            if flags.isSet("--help") || parsed.flags.isSet("--help") {
                Output.out(HelpText.verb(known))
                return 0
            }
        }
        switch verb {
        case "create": return try create(verbArgs)
        case "start": return try start(verbArgs)
        case "run": return try run(verbArgs)
        case "state": return try state(verbArgs)
        case "kill": return try kill(verbArgs)
        case "exec": return try exec(verbArgs)
        case "ps": return try ps(verbArgs)
        case "delete": return try delete(verbArgs)
        case "pause": return try pause(verbArgs, frozen: true)
        case "resume": return try pause(verbArgs, frozen: false)
        case "update": return try update(verbArgs)
        case "events": return try events(verbArgs)
        case "list": return try list(verbArgs)
        case "spec": return try spec(verbArgs)
        case "features": return try features(verbArgs)
        case "help": return try help(verbArgs)
        case "version": return try version(verbArgs)
        default:
            context = ""
            throw RuntimeError("unknown command \"\(verb)\"; see rsrun help")
        }
    }

    /// Built once per verb that needs state: who we are and where containers live.
    func runtime() throws -> Runtime {
        let identity = Identity.detect(override: rootless)
        let root = try identity.stateRoot(explicit: stateRoot)
        logger.debugMessage("identity \(identity.kind.rawValue) uid=\(identity.uid) rootless=\(identity.rootless) root=\(root)")
        var runtime = Runtime(identity: identity, store: StateStore(root: root), systemdCgroup: systemdCgroup)
        if logger.debug {
            let logger = logger
            runtime.trace = StepTrace { logger.debugMessage($0) }
        }
        return runtime
    }

    /// Exactly one positional, the container id; names the verb+id in later errors.
    mutating func singleID(_ positionals: [String], extra: Int = 0) throws -> String {
        guard let id = positionals.first else { throw RuntimeError("container id is required") }
        if positionals.count > 1 + extra {
            throw RuntimeError("unexpected argument \"\(positionals[1 + extra])\"")
        }
        context += " " + id
        return id
    }

    func fail(_ error: RuntimeError) -> Int32 {
        let line = context.isEmpty ? "\(error)" : "\(context): \(error)"
        Output.err("rsrun: " + line)
        logger.error(line)
        return 1
    }

    /// A warning on stderr that does not fail the verb (and in the log with --log).
    func warn(_ text: String) {
        let line = context.isEmpty ? "warning: \(text)" : "\(context): warning: \(text)"
        Output.err("rsrun: " + line)
        logger.write(level: "warning", line)
    }

    func printVersion() {
        Output.out("rsrun version \(CLI.version)\nspec: \(CLI.specVersion)")
    }
}
