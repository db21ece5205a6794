import Core
import Glibc
import Rootless

extension CLI {
    /// runc's grammar: flags, the container id, then the command and its arguments.
    mutating func exec(_ args: ArraySlice<String>) throws -> Int32 {
        let (flags, _, rest) = try Verbs.exec.parse(args)
        guard let id = rest.first else { throw RuntimeError("container id is required") }
        context += " " + id
        var options = ExecOptions()
        options.args = Array(rest.dropFirst())
        options.processFile = flags["--process"]
        if options.processFile != nil && !options.args.isEmpty {
            throw RuntimeError(path: "--process", "a process file and a command line cannot both be given")
        }
        if flags["--tty"] != nil { options.tty = flags.isSet("--tty") }
        options.consoleSocket = flags["--console-socket"]
        options.cwd = flags["--cwd"]
        options.env = flags.all("--env")
        for entry in options.env where !entry.contains("=") {
            throw RuntimeError(path: "--env", "expected KEY=VALUE, got \"\(entry)\"")
        }
        if let user = flags["--user"] {
            let parts = user.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let uid = UInt32(parts[0]), parts.count == 1 || UInt32(parts[1]) != nil else {
                throw RuntimeError(path: "--user", "expected UID[:GID] as numbers, got \"\(user)\"")
            }
            options.uid = uid
            if parts.count == 2 { options.gid = UInt32(parts[1]) }
        }
        for text in flags.all("--additional-gids") {
            for item in text.split(separator: ",") {
                guard let gid = UInt32(item) else { throw RuntimeError(path: "--additional-gids", "expected a number, got \"\(item)\"") }
                options.additionalGids.append(gid)
            }
        }
        options.capabilities = flags.all("--cap")
        options.noNewPrivileges = flags.isSet("--no-new-privs")
        options.apparmorProfile = flags["--apparmor"]
        options.processLabel = flags["--process-label"]
        options.detach = flags.isSet("--detach")
        options.pidFile = flags["--pid-file"]
        if let n = flags["--preserve-fds"] {
            guard let count = Int(n), count >= 0 else { throw RuntimeError(path: "--preserve-fds", "expected a number, got \"\(n)\"") }
            options.preserveFDs = count
        }
        return try runtime().exec(id, options) { plan in
            for note in plan.notes { logger.warning(note) }
        }
    }
}
