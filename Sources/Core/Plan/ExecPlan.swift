import CShim
import Glibc
import Rootless

/// `rsrun exec`'s flags, runc's grammar: either a whole process file (-p) or the container's
/// own `process` with the arguments and overrides given on the command line.
public struct ExecOptions {
    public var processFile: String?
    public var args: [String] = []
    public var tty: Bool?
    public var consoleSocket: String?
    public var cwd: String?
    public var env: [String] = []
    public var uid: UInt32?
    public var gid: UInt32?
    public var additionalGids: [UInt32] = []
    public var capabilities: [String] = []
    public var noNewPrivileges = false
    public var apparmorProfile: String?
    public var processLabel: String?
    public var detach = false
    public var pidFile: String?
    public var preserveFDs = 0

    public init() {}
}

/// What the exec'd process does, decided in the parent: which of the init's namespaces to
/// join, and the process to start there.
public struct ExecPlan: Sendable {
    /// The setns(2) flags to join through the init's pidfd (only namespaces that differ from ours).
    public var namespaces: UInt64
    public var process: ProcessPlan
    public var seccomp: SeccompPlan?
    public var lsm: LSMPlan
    public var notes: [String] = []

    /// A pid namespace joined with setns applies to children only: one more fork.
    public var forksIntoPidNamespace: Bool { namespaces & CSHIM_CLONE_NEWPID != 0 }
    public var joinsUserNamespace: Bool { namespaces & CSHIM_CLONE_NEWUSER != 0 }
}

/// Builds the exec'd process from the container's `process` and the exec flags, as runc does.
enum ExecProcessBuilder {
    static func build(base: Spec.Process?, file: [UInt8]?, options: ExecOptions) throws -> Spec.Process {
        var process: Spec.Process
        if let file {
            let document = try JSONParser.parse(file, source: options.processFile ?? "process.json")
            guard case .object(let object) = document else {
                throw RuntimeError(path: options.processFile ?? "process.json", "expected an object")
            }
            process = try Spec.Process(SpecObject(object: object, path: "process"))
        } else {
            guard let base else { throw RuntimeError(path: "process", "the container's config.json has no process to start from; use -p") }
            guard !options.args.isEmpty else { throw RuntimeError("a command to run is required (or -p process.json)") }
            process = base
            process.args = options.args
            // The container's own terminal setting is for its init.
            process.terminal = false
            process.consoleSize = nil
        }
        if let tty = options.tty { process.terminal = tty }
        if let cwd = options.cwd { process.cwd = cwd }
        process.env = merged(process.env, options.env)
        if let uid = options.uid { process.user.uid = uid }
        if let gid = options.gid { process.user.gid = gid }
        if !options.additionalGids.isEmpty { process.user.additionalGids = options.additionalGids }
        if !options.capabilities.isEmpty {
            // runc adds them to every set; inheritable too here, or the ambient raise fails.
            var caps = process.capabilities ?? Spec.Capabilities()
            func add(_ set: [String]?) -> [String] {
                var list = set ?? []
                for cap in options.capabilities where !list.contains(cap) { list.append(cap) }
                return list
            }
            caps.bounding = add(caps.bounding)
            caps.effective = add(caps.effective)
            caps.permitted = add(caps.permitted)
            caps.inheritable = add(caps.inheritable)
            caps.ambient = add(caps.ambient)
            process.capabilities = caps
        }
        if options.noNewPrivileges { process.noNewPrivileges = true }
        if let profile = options.apparmorProfile { process.apparmorProfile = profile }
        if let label = options.processLabel { process.selinuxLabel = label }
        try SpecValidator.check(process)
        return process
    }

    /// `--env K=V` replaces an earlier K instead of adding a second one that getenv would not see.
    static func merged(_ env: [String], _ overrides: [String]) -> [String] {
        var result = env
        for entry in overrides {
            let key = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            if let i = result.firstIndex(where: { $0.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0] == key }) {
                result[i] = entry
            } else {
                result.append(entry)
            }
        }
        return result
    }
}

/// The namespaces of a running process that differ from ours, as setns(2) flags.
enum ContainerNamespaces {
    static let kinds: [(name: String, flag: UInt64)] = [
        ("user", CSHIM_CLONE_NEWUSER), ("mnt", CSHIM_CLONE_NEWNS), ("pid", CSHIM_CLONE_NEWPID),
        ("net", CSHIM_CLONE_NEWNET), ("ipc", CSHIM_CLONE_NEWIPC), ("uts", CSHIM_CLONE_NEWUTS),
        ("cgroup", CSHIM_CLONE_NEWCGROUP),
    ]

    /// The container's time namespace, when it is not ours: an fd to setns(2) into, else -1.
    /// It is the init's time namespace *for children*: a created init enters its own time
    /// namespace only with its execve (offsets can be written only until a process is in it),
    /// so its pidfd would still give the host's; after execve the two are the same.
    static func timeNamespace(pid: Int32) -> Int32 {
        let path = "/proc/\(pid)/ns/time_for_children"
        var mine = stat()
        var theirs = stat()
        guard stat("/proc/self/ns/time", &mine) == 0, stat(path, &theirs) == 0,
              mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev else { return -1 }
        return open(path, O_RDONLY | O_CLOEXEC)
    }

    static func differing(pid: Int32) throws -> UInt64 {
        var flags: UInt64 = 0
        for kind in kinds {
            var mine = stat()
            guard stat("/proc/self/ns/" + kind.name, &mine) == 0 else { continue }   // not in this kernel
            var theirs = stat()
            let path = "/proc/\(pid)/ns/" + kind.name
            if stat(path, &theirs) != 0 {
                let code = cshim_errno()
                if code == EACCES {
                    // Only a non-dumpable init denies its owner (PlanCompiler.initHidesBinary).
                    throw RuntimeError("cannot exec in the container before it is started: rsrun's binary is writable by you, so the created init hides it from the container (CVE-2019-5736); start the container first, or install rsrun where you cannot write it")
                }
                throw RuntimeError(step: "inspect the container's namespaces", path: path, "", errno: code)
            }
            if mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev { flags |= kind.flag }
        }
        return flags
    }
}
