import Core

/// The command line as data: every verb with its synopsis, help and flags. The parser of each
/// verb, `rsrun help`, the man page and the bash completion are all made from this table, so
/// a flag the parser accepts is a flag the help shows.
struct Verb {
    /// What the operands after the flags are, in order, for completion.
    enum Operand {
        /// An existing container's id.
        case id
        /// A new container's id: nothing to offer.
        case newID
        case signal
        case verb
        /// Everything left (exec's command, ps's options): not completed.
        case rest
    }

    let name: String
    /// What follows `rsrun NAME`, one line per form.
    let synopsis: [String]
    let summary: String
    /// Paragraphs separated by a blank line.
    let description: String
    /// In the order help lists them; `-h, --help` is added to every verb.
    let flags: [FlagSpec]
    let operands: [Operand]
    /// runc's grammar for exec and ps: flags stop at the id; what follows belongs to the
    /// command (`exec ID sh -c ...`).
    let stopsAtFirstPositional: Bool

    init(_ name: String, synopsis: [String], summary: String, description: String, flags: [FlagSpec] = [],
         operands: [Operand] = [], stopsAtFirstPositional: Bool = false) {
        self.name = name
        self.synopsis = synopsis
        self.summary = summary
        self.description = description
        self.flags = flags + [FlagSpec.help]
        self.operands = operands
        self.stopsAtFirstPositional = stopsAtFirstPositional
    }

    func parse(_ args: ArraySlice<String>) throws -> (flags: Flags, positionals: [String], rest: ArraySlice<String>) {
        try FlagTable(flags).parse(args, stopAtFirstPositional: stopsAtFirstPositional)
    }
}

/// One flag: spellings (the canonical one first: the parser reports values under it), the
/// name of its value (nil: it takes none), what completion offers for the value, and help.
struct FlagSpec {
    enum Completion {
        case none
        case file
        case directory
        case words([String])
    }

    let names: [String]
    let value: String?
    let completion: Completion
    let help: String

    init(_ names: [String], _ value: String?, _ completion: Completion, _ help: String) {
        self.names = names
        self.value = value
        self.completion = completion
        self.help = help
    }

    /// A flag that takes no value.
    init(_ names: [String], _ help: String) { self.init(names, nil, .none, help) }

    /// A flag whose value completion cannot guess.
    init(_ names: [String], _ value: String, _ help: String) { self.init(names, value, .none, help) }

    var takesValue: Bool { value != nil }

    static let help = FlagSpec(["--help", "-h"], "show this help")
}

enum Verbs {
    static let all: [Verb] = [
        create, start, run, exec, state, kill, ps, delete, pause, resume, update, events, list, spec, features,
        help, version,
    ]

    /// A switch, not a search of `all`: a verb's run builds only its own entry (building all
    /// seventeen cost ~80k instructions, 0.05 ms, on every verb).
    static func named(_ name: String) -> Verb? {
        switch name {
        case "create": return create
        case "start": return start
        case "run": return run
        case "exec": return exec
        case "state": return state
        case "kill": return kill
        case "ps": return ps
        case "delete": return delete
        case "pause": return pause
        case "resume": return resume
        case "update": return update
        case "events": return events
        case "list": return list
        case "spec": return spec
        case "features": return features
        case "help": return help
        case "version": return version
        default: return nil
        }
    }

    static let global: [FlagSpec] = [
        FlagSpec(["--root"], "DIR", .directory,
                 "state directory (default /run/rsrun, or $XDG_RUNTIME_DIR/rsrun for an unprivileged user)"),
        FlagSpec(["--log"], "FILE", .file, "also write errors and warnings to FILE"),
        FlagSpec(["--log-format"], "FORMAT", .words(["text", "json"]),
                 "text, or json: one {\"level\",\"msg\",\"time\"} object a line"),
        FlagSpec(["--debug"], "print the steps taken on stderr (and to --log)"),
        FlagSpec(["--systemd-cgroup"], "put containers in systemd scopes (cgroupsPath slice:prefix:name)"),
        FlagSpec(["--rootless"], "VALUE", .words(["auto", "true", "false"]),
                 "auto, true or false: whether to act as an unprivileged user"),
        FlagSpec(["--criu"], "PATH", .file, "accepted for runc compatibility; rsrun has no checkpoint/restore"),
        FlagSpec(["--version", "-v"], "print the version"),
        FlagSpec(["--help", "-h"], "show this help, or a command's with a command"),
    ]

    /// create's flags, which run shares.
    static let createFlags: [FlagSpec] = [
        FlagSpec(["--bundle", "-b"], "DIR", .directory, "the bundle: config.json and the rootfs (default: the current directory)"),
        FlagSpec(["--pid-file"], "FILE", .file, "write the container process's pid to FILE"),
        FlagSpec(["--console-socket"], "SOCKET", .file,
                 "Unix socket to send the terminal's master fd to (process.terminal)"),
        FlagSpec(["--no-pivot"], "move the rootfs over / instead of pivot_root (for a ramfs root)"),
        FlagSpec(["--no-new-keyring"], "keep the caller's session keyring instead of a new one"),
        FlagSpec(["--preserve-fds"], "N", "pass N more fds, from 3 up, to the container process"),
    ]

    static let create = Verb(
        "create", synopsis: ["[options] ID"],
        summary: "create a container from a bundle; its process waits for start",
        description: """
            Reads config.json from the bundle, checks it and sets the container up: namespaces, \
            id maps, mounts, cgroup and the process's settings. The process then waits until \
            'rsrun start ID'. Input that is wrong fails before anything is created.

            Run by an unprivileged user, rsrun makes the user namespace itself from the \
            config's uidMappings and gidMappings (newuidmap/newgidmap for more than one id).
            """,
        flags: createFlags, operands: [.newID])

    static let start = Verb(
        "start", synopsis: ["ID"], summary: "start the process of a created container",
        description: """
            Lets the process that 'rsrun create' left waiting run process.args (after the \
            startContainer hooks), then runs the poststart hooks. The container must be \
            created and not yet started.
            """,
        operands: [.id])

    static let run = Verb(
        "run", synopsis: ["[options] ID"], summary: "create and start a container; waits for it unless -d",
        description: """
            create and start in one. In the foreground rsrun forwards signals to the process, \
            relays the terminal when process.terminal is set, waits for the process, deletes \
            the container and exits with the process's status (128+N after signal N). With -d \
            it returns once the process runs.
            """,
        flags: createFlags + [
            FlagSpec(["--detach", "-d"], "return once the container runs"),
            FlagSpec(["--keep"], "accepted for runc compatibility; the container is deleted when it exits"),
        ],
        operands: [.newID])

    static let exec = Verb(
        "exec", synopsis: ["[options] ID COMMAND [ARG...]", "[options] -p FILE ID"],
        summary: "run a new process in a running container",
        description: """
            Starts COMMAND, or the process a process.json file describes (-p), in the \
            container's namespaces, cgroup and security settings, waits for it and exits with \
            its status; with -d it returns once the process runs. The flags override the \
            container's process settings for this process only. Flags go before the id: \
            what follows the id is the command line.
            """,
        flags: [
            FlagSpec(["--process", "-p"], "FILE", .file, "the process as a JSON file (the config's process object)"),
            FlagSpec(["--tty", "-t"], "allocate a terminal (with --console-socket when detached)"),
            FlagSpec(["--console-socket"], "SOCKET", .file, "Unix socket to send the terminal's master fd to"),
            FlagSpec(["--cwd"], "DIR", "working directory inside the container"),
            FlagSpec(["--env", "-e"], "KEY=VALUE", "set an environment variable (repeatable)"),
            FlagSpec(["--user", "-u"], "UID[:GID]", "user and group ids to run as"),
            FlagSpec(["--additional-gids", "-g"], "GID", "more group ids (repeatable, or comma-separated)"),
            FlagSpec(["--cap", "-c"], "CAP", "add a capability, e.g. CAP_NET_ADMIN (repeatable)"),
            FlagSpec(["--no-new-privs"], "set no_new_privs for the process"),
            FlagSpec(["--apparmor"], "PROFILE", "AppArmor profile for the process"),
            FlagSpec(["--process-label"], "LABEL", "SELinux label for the process"),
            FlagSpec(["--detach", "-d"], "return once the process runs"),
            FlagSpec(["--pid-file"], "FILE", .file, "write the process's pid to FILE"),
            FlagSpec(["--preserve-fds"], "N", "pass N more fds, from 3 up, to the process"),
            FlagSpec(["--ignore-paused"], "accepted for runc compatibility; changes nothing"),
            FlagSpec(["--no-subreaper"], "accepted for runc compatibility; changes nothing"),
            FlagSpec(["--cgroup"], "PATH", "accepted for runc compatibility; changes nothing"),
        ],
        operands: [.id, .rest], stopsAtFirstPositional: true)

    static let state = Verb(
        "state", synopsis: ["ID"], summary: "print the OCI state of a container as JSON",
        description: """
            Prints the runtime spec's state object: ociVersion, id, status (creating, \
            created, running, paused or stopped), pid, bundle and annotations, with rootfs, \
            created and owner as runc adds them.
            """,
        operands: [.id])

    static let kill = Verb(
        "kill", synopsis: ["[options] ID [SIGNAL]"], summary: "send a signal to a container's process",
        description: """
            Sends SIGNAL (default TERM) to the container's init process, or with --all to every \
            process in its cgroup. SIGNAL is a name (TERM, SIGTERM, RTMIN+1) or a number.
            """,
        flags: [FlagSpec(["--all", "-a"], "signal every process of the container")],
        operands: [.id, .signal])

    static let ps = Verb(
        "ps", synopsis: ["[options] ID [PS-OPTION...]"], summary: "list the processes of a container",
        description: """
            Runs the host's ps (ps -ef unless options are given after the id) and keeps the \
            lines of the container's processes; --format json prints their pids as a JSON \
            array.
            """,
        flags: [FlagSpec(["--format", "-f"], "FORMAT", .words(["table", "json"]), "table or json")],
        operands: [.id, .rest], stopsAtFirstPositional: true)

    static let delete = Verb(
        "delete", synopsis: ["[options] ID"], summary: "delete a stopped or created container",
        description: """
            Removes the container's cgroup and state, then runs its poststop hooks. A running \
            or paused container is refused unless --force, which kills it first.
            """,
        flags: [FlagSpec(["--force", "-f"], "kill a running container, then delete it")],
        operands: [.id])

    static let pause = Verb(
        "pause", synopsis: ["ID"], summary: "freeze every process of a container",
        description: "Freezes the container's cgroup (cgroup.freeze), so none of its processes runs until resume.",
        operands: [.id])

    static let resume = Verb(
        "resume", synopsis: ["ID"], summary: "thaw a paused container",
        description: "Thaws the container's cgroup, so its processes run again.", operands: [.id])

    static let update = Verb(
        "update", synopsis: ["[options] ID"], summary: "change the resource limits of a container",
        description: """
            Writes new limits into the container's cgroup. The values come from -r (a \
            linux.resources object, as in config.json) with the other flags applied over it.
            """,
        flags: ResourceUpdate.flags.map { FlagSpec($0.names, $0.value, $0.names[0] == "--resources" ? .file : .none, $0.help) },
        operands: [.id])

    static let events = Verb(
        "events", synopsis: ["[options] ID"], summary: "print a container's resource usage and OOM events",
        description: """
            Prints JSON lines as runc does: a stats event every --interval and an oom event for \
            each OOM kill, until the container stops; with --stats, one stats event.
            """,
        flags: [
            FlagSpec(["--stats"], "print the stats once and exit"),
            FlagSpec(["--interval"], "DURATION", "time between stats events, Go syntax (5s, 1m30s; default 5s)"),
        ],
        operands: [.id])

    static let list = Verb(
        "list", synopsis: ["[options]"], summary: "list containers",
        description: "Lists the containers under the state root: id, pid, status, bundle, created and owner.",
        flags: [
            FlagSpec(["--quiet", "-q"], "print the ids only"),
            FlagSpec(["--format", "-f"], "FORMAT", .words(["table", "json"]), "table or json"),
        ])

    static let spec = Verb(
        "spec", synopsis: ["[options]"], summary: "write a default config.json",
        description: """
            Writes a config.json that runs sh from ./rootfs to the bundle directory; an \
            existing one is left alone and is an error.
            """,
        flags: [
            FlagSpec(["--bundle", "-b"], "DIR", .directory, "where to write config.json (default: the current directory)"),
            FlagSpec(["--rootless"], "map you to root and your /etc/subuid range to 1..N"),
        ])

    static let features = Verb(
        "features", synopsis: [""], summary: "print the OCI features document as JSON",
        description: """
            Prints what this rsrun supports, as the runtime spec's features document: \
            namespaces, capabilities, mount options, seccomp, cgroup and more.
            """)

    static let help = Verb(
        "help", synopsis: ["[COMMAND]", "--man", "--completion bash"], summary: "show this help, or a command's",
        description: """
            Without a command, lists the commands and the global options; with one, shows \
            its options. --man prints this help as a man page (roff), --completion bash a \
            bash completion script.
            """,
        flags: [
            FlagSpec(["--man"], "print the man page rsrun(1) as roff"),
            FlagSpec(["--completion"], "SHELL", .words(["bash"]), "print a completion script for SHELL (bash)"),
        ],
        operands: [.verb])

    static let version = Verb(
        "version", synopsis: [""], summary: "print the version",
        description: "Prints rsrun's version and the runtime spec version it implements.")
}
