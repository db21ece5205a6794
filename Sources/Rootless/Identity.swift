import CShim
import Glibc

/// Who rsrun runs as, decided once per process. Every rootless/rootful difference in the
/// runtime is a question asked of this value, never a `geteuid()` test somewhere else:
/// privileged or not, in the initial user namespace or not, how id maps get written
/// (`idMapPlan`), where state lives (`stateRoot`), whether cgroups may be assumed writable.
public struct Identity: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// uid 0 in the initial user namespace: the privileged special case.
        case root
        /// An ordinary user: each container gets its own user namespace mapping us to 0.
        case unprivileged
        /// uid 0 inside a non-initial user namespace (podman rootless, `unshare -r`).
        case rootInUserNamespace = "root-in-userns"
    }

    /// How `--rootless` overrides detection.
    public enum Override: String, Sendable {
        case auto, yes = "true", no = "false"
    }

    public let kind: Kind
    public let uid: UInt32
    public let gid: UInt32
    /// The uid that owns our login session on the host side (for /run/user/<uid>):
    /// our own uid, or, inside a user namespace, what uid 0 maps to one level up.
    public let sessionUID: UInt32
    /// Rootless policy: cgroups are not assumed writable, errors there may be ignored.
    /// Detected from `kind`, overridable with `--rootless`.
    public let rootless: Bool
    /// False when setgroups(2) is denied to us and so to every namespace we create
    /// (`unshare -r` writes "deny"; the kernel passes it down to child namespaces).
    public let canSetGroups: Bool
    public let inInitialUserNamespace: Bool
    /// The uid and gid ranges of the user namespace we run in, as its parent sees them;
    /// nil when every id exists (the initial namespace).
    public let ownMappings: IDMaps?
    public let environment: ProcessEnvironment

    public init(kind: Kind, uid: UInt32, gid: UInt32, sessionUID: UInt32, rootless: Bool, canSetGroups: Bool = true,
                inInitialUserNamespace: Bool? = nil, ownMappings: IDMaps? = nil, environment: ProcessEnvironment = ProcessEnvironment()) {
        self.kind = kind
        self.uid = uid
        self.gid = gid
        self.sessionUID = sessionUID
        self.rootless = rootless
        self.canSetGroups = canSetGroups
        self.inInitialUserNamespace = inInitialUserNamespace ?? (kind != .rootInUserNamespace)
        self.ownMappings = ownMappings
        self.environment = environment
    }

    /// The initial user namespace's inode is fixed by the kernel (PROC_USER_INIT_INO).
    /// This test cannot be fooled by a uid_map that happens to look like the identity map.
    static let initialUserNamespaceInode: UInt = 0xEFFF_FFFD

    public static func detect(override: Override = .auto, environment: ProcessEnvironment = .current()) -> Identity {
        let uid = UInt32(geteuid())
        let gid = UInt32(getegid())
        let initial = inInitialUserNamespace()
        let kind: Kind = uid != 0 ? .unprivileged : initial ? .root : .rootInUserNamespace
        var own: IDMaps?
        if !initial, let uids = IDMapping.read(mapFile: "/proc/self/uid_map"), let gids = IDMapping.read(mapFile: "/proc/self/gid_map") {
            own = IDMaps(uids: uids, gids: gids)
        }
        let session = kind == .rootInUserNamespace ? (own?.uids.hostID(for: uid) ?? uid) : uid
        let rootless: Bool
        switch override {
        case .auto: rootless = kind != .root
        case .yes: rootless = true
        case .no: rootless = false
        }
        let setgroups = initial
            ? kind == .root
            : FileIO.readText("/proc/self/setgroups").map { $0.hasPrefix("allow") } ?? true
        return Identity(kind: kind, uid: uid, gid: gid, sessionUID: session, rootless: rootless, canSetGroups: setgroups,
                        inInitialUserNamespace: initial, ownMappings: own, environment: environment)
    }

    public static func inInitialUserNamespace() -> Bool {
        var st = stat()
        guard stat("/proc/self/ns/user", &st) == 0 else { return true }
        return UInt(st.st_ino) == initialUserNamespaceInode
    }

    /// uid 0 of its user namespace: it holds every capability there, so it can write id maps
    /// (within the ids its namespace has) without helpers.
    public var privileged: Bool { kind != .unprivileged }

    /// Only real root may assume the cgroup hierarchy is writable; rootless cgroups come from
    /// delegation and are probed, not assumed. `--rootless=false` claims the root policy.
    public var cgroupsWritable: Bool { !rootless }

    /// An unprivileged user cannot create mount, pid or other namespaces on its own:
    /// it needs a user namespace of its own first, in which it becomes root.
    public var needsOwnUserNamespace: Bool { kind == .unprivileged }

    /// Only real root can create device nodes; elsewhere they are bind-mounted from the host.
    public var canCreateDevices: Bool { kind == .root }

    /// Capabilities over the host itself (the initial user namespace): raising a hard rlimit,
    /// lowering oom_score_adj, real-time scheduling. A user namespace's root has none of them.
    public var holdsHostCapabilities: Bool { kind == .root }

    /// The id mapping an unprivileged caller can write for itself without helpers:
    /// its own id to 0, one id wide.
    public var selfUIDMapping: [IDMapping] { [IDMapping(containerID: 0, hostID: uid, size: 1)] }
    public var selfGIDMapping: [IDMapping] { [IDMapping(containerID: 0, hostID: gid, size: 1)] }

    /// The login name for our uid (what /etc/subuid is keyed by), looked up only when needed.
    public func userName() -> String? {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }

    /// Where container state lives for us (see StateRoot for the rules).
    public func stateRoot(explicit: String?) throws -> String {
        try StateRoot.resolve(explicit: explicit, identity: self, xdgRuntimeDir: environment.xdgRuntimeDir)
    }
}

/// A uid map and a gid map that belong together.
public struct IDMaps: Sendable, Equatable {
    public var uids: [IDMapping]
    public var gids: [IDMapping]

    public init(uids: [IDMapping], gids: [IDMapping]) {
        self.uids = uids
        self.gids = gids
    }
}
