import Rootless

/// Everything the container's init needs, decided before clone3: the child only executes it.
/// Paths are absolute; flags are already mount(2)/clone3 flags.
public struct ContainerPlan: Sendable {
    public var id: String
    public var bundle: String
    public var rootfs: String
    public var cloneFlags: UInt64
    /// Set when the container gets a new user namespace whose maps the parent writes.
    public var userNamespace: IDMapPlan?
    /// Existing namespaces to join (`linux.namespaces[].path`), already open.
    public var namespaceJoins: NamespaceJoins
    public var hostname: String?
    public var domainname: String?
    public var rootPropagation: UInt
    public var mounts: [MountStep]
    public var devices: DevicePlan
    public var maskedPaths: [String]
    public var readonlyPaths: [String]
    public var readonlyRoot: Bool
    public var noPivot: Bool
    public var sysctl: [(key: String, value: String)]
    public var personality: UInt?
    /// Text for /proc/self/timens_offsets when a time namespace with offsets is asked for.
    public var timeOffsets: String?
    public var newTimeNamespace: Bool
    /// The init is moved into its cgroup after clone3 (systemd scope, no CLONE_INTO_CGROUP), so
    /// it makes its cgroup namespace then, rooted at that cgroup, instead of in clone3.
    public var cgroupNamespaceAfterPlacement = false
    /// The container's cgroup directory on the host, when known before clone3: what a cgroup
    /// mount shows if cgroup2 cannot be mounted (rootless, some kernels), instead of the whole tree.
    public var cgroupDirectory: String?
    public var bringUpLoopback: Bool
    public var process: ProcessPlan
    public var seccomp: SeccompPlan?
    public var lsm: LSMPlan
    /// What was left out of the config and why (capabilities this kernel lacks...), for the log.
    public var notes: [String] = []
    public var hooks = Spec.Hooks()
    /// The container's state for hooks run by the init (its pid filled in there); set by `create`.
    public var hookState: ContainerRecord?
    /// The init stops being dumpable once set up, until its execve (CVE-2019-5736).
    public var nonDumpableInit = true

    /// prestart and createRuntime run in rsrun while the init waits before pivot_root.
    public var hasRuntimeHooks: Bool { !hooks.prestart.isEmpty || !hooks.createRuntime.isEmpty }
    /// `start` must wait for the init's exec to run these (the init reports on a result fifo).
    public var hasStartHooks: Bool { !hooks.startContainer.isEmpty || !hooks.poststart.isEmpty }
}

public struct ProcessPlan: Sendable, Equatable {
    public var args: [String]
    public var env: [String]
    public var cwd: String
    public var uid: UInt32
    public var gid: UInt32
    public var additionalGids: [UInt32]
    /// setgroups(2) is not allowed (unprivileged single mapping): leave the groups as they are.
    public var keepGroups: Bool
    public var umask: UInt32?
    public var noNewPrivileges: Bool
    /// Written by the parent into /proc/<pid>/oom_score_adj before the child goes on.
    public var oomScoreAdj: Int?
    /// nil: the init keeps the capabilities it has (all, in its user namespace).
    public var capabilities: CapabilityPlan?
    public var rlimits: [RlimitStep]
    public var scheduler: SchedulerPlan?
    /// The ioprio_set(2) value.
    public var ioPriority: Int32?
    /// How many fds after stdio pass into the container (socket activation, `--preserve-fds`).
    public var preserveFDs: Int
    /// LISTEN_PID=<our pid> goes into the environment right before execve.
    public var socketActivation = false
    /// `process.terminal`: the container process gets a pty of its own.
    public var terminal: TerminalPlan?
    /// The PATH used to find args[0] inside the container.
    public var searchPath: String
    /// The last execve goes through the sealed ExecTrampoline (CVE-2019-5736).
    public var throughTrampoline = false
    /// `process.execCPUAffinity`: applied by `exec` only.
    public var cpuAffinity: CPUAffinityPlan?
}

public struct TerminalPlan: Sendable, Equatable {
    public struct Size: Sendable, Equatable {
        public var rows: UInt16
        public var columns: UInt16
    }
    public var size: Size?
}

/// One entry of `mounts[]`, resolved: what to mount, where (inside the rootfs), and how.
public struct MountStep: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case bind, proc, sysfs, cgroup, devpts, other
    }
    public var kind: Kind
    public var source: String
    /// Absolute path inside the container (resolved against the rootfs at mount time).
    public var destination: String
    public var fsType: String
    public var flags: UInt
    public var propagation: [UInt]
    public var data: String
    /// `rro`, `rnosuid`...: set on the mount and every submount after mounting.
    public var recursiveAttributes = RecursiveAttributes()
    /// `tmpcopyup`: copy what the image has at the destination into the new tmpfs.
    public var copyUp = false
    /// `mounts[N]`, for error messages.
    public var specPath: String
    /// Rootless without its own network namespace cannot mount sysfs: bind the host's /sys.
    public var fallbackToHostBind: Bool
    /// An idmapped bind: the mapping its source is shown through.
    public var idmap: MountIDMapping? = nil
    /// The detached, idmapped copy of the source rsrun made before clone3 for the init to
    /// attach (`IDMappedMount.prepare`); -1 until then, or when the init makes it itself.
    public var detachedTree: Int32 = -1
}

public struct DevicePlan: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var path: String
        public var type: UInt32   // S_IFCHR, S_IFBLK or S_IFIFO
        public var major: Int64
        public var minor: Int64
        public var mode: UInt32
        public var uid: UInt32
        public var gid: UInt32
        /// `linux.devices[N]` for a node the spec asked for, "" for the defaults.
        public var specPath: String = ""
    }
    /// False when /dev is bind-mounted from elsewhere: then it is left as it is.
    public var populate: Bool
    /// mknod when privileged; otherwise bind-mount each node from the host.
    public var useMknod: Bool
    public var nodes: [Node]
}
