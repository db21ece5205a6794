import Core
import Glibc
import Rootless

struct CLI {
    static let version = "0.1.0"
    static let specVersion = "1.2.0"

    var logger = Logger()
    var stateRoot: String?
    var rootless = Identity.Override.auto
    var systemdCgroup = false
    /// "verb id" for the error prefix, filled in as soon as they are known.
    var context = ""

    static let globalFlags = FlagTable([
        (["--root"], true), (["--log"], true), (["--log-format"], true), (["--debug"], false),
        (["--systemd-cgroup"], false), (["--rootless"], true), (["--help", "-h"], false), (["--version", "-v"], false),
        (["--criu"], true),
    ])

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
            if flags.isSet("--help") { Output.out(CLI.usage); return 0 }
            throw RuntimeError("no command given; see rsrun --help")
        }
        context = verb
        let verbArgs = rest.dropFirst()
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
        case "help": Output.out(CLI.usage); return 0
        case "version": printVersion(); return 0
        default:
            context = ""
            throw RuntimeError("unknown command \"\(verb)\"; see rsrun --help")
        }
    }

    /// Built once per verb that needs state: who we are and where containers live.
    func runtime() throws -> Runtime {
        let identity = Identity.detect(override: rootless)
        let root = try identity.stateRoot(explicit: stateRoot)
        logger.debugMessage("identity \(identity.kind.rawValue) uid=\(identity.uid) rootless=\(identity.rootless) root=\(root)")
        return Runtime(identity: identity, store: StateStore(root: root), systemdCgroup: systemdCgroup)
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

    static let usage = """
        rsrun: a small, fast, rootless-first OCI container runtime

        Usage: rsrun [global options] <command> [command options] <container-id>

        Commands:
          create   create a container from a bundle (-b DIR); it waits for start
          start    start the process of a created container
          run      create and start a container; waits unless -d
          exec     run a process in a container: exec [flags] ID CMD [ARGS...] or exec -p FILE ID
          state    print the OCI state of a container as JSON
          kill     send a signal (default TERM) to a container's init (--all: to all its processes)
          ps       list a container's processes (--format table|json; ps options after the id)
          delete   delete a stopped or created container (-f kills a running one)
          pause    freeze every process of a container (cgroup freezer)
          resume   thaw a paused container
          events   print a container's stats (--stats: once; else every --interval, default 5s) and OOM events
          update   change a container's limits (--memory, --memory-swap, --cpu-quota, --cpu-period,
                   --cpu-share, --cpuset-cpus, --cpuset-mems, --pids-limit, --blkio-weight, -r FILE|-)
          list     list containers (-q ids only, --format table|json)
          spec     write a default config.json (--rootless for an unprivileged user)
          help     show this text

        Global options:
          --root DIR            state directory (default /run/rsrun, or $XDG_RUNTIME_DIR/rsrun rootless)
          --log FILE            also write errors and warnings to FILE
          --log-format FORMAT   text or json
          --debug               print debug messages
          --systemd-cgroup      put containers in systemd scopes (cgroupsPath slice:prefix:name)
          --rootless VALUE      auto, true or false
          --version, -v         print the version
        """
}
