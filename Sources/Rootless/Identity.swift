import CShim
import Glibc

/// Who rsrun runs as, decided once per process. Every rootless/rootful difference in the
/// runtime is a question asked of this value, never a `geteuid()` test somewhere else.
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

    public init(kind: Kind, uid: UInt32, gid: UInt32, sessionUID: UInt32, rootless: Bool, canSetGroups: Bool = true) {
        self.kind = kind
        self.uid = uid
        self.gid = gid
        self.sessionUID = sessionUID
        self.rootless = rootless
        self.canSetGroups = canSetGroups
    }

    /// The initial user namespace's inode is fixed by the kernel (PROC_USER_INIT_INO).
    /// This test cannot be fooled by a uid_map that happens to look like the identity map.
    static let initialUserNamespaceInode: UInt = 0xEFFF_FFFD

    public static func detect(override: Override = .auto) -> Identity {
        let uid = UInt32(geteuid())
        let gid = UInt32(getegid())
        let kind: Kind
        if uid != 0 {
            kind = .unprivileged
        } else if inInitialUserNamespace() {
            kind = .root
        } else {
            kind = .rootInUserNamespace
        }
        let session = kind == .rootInUserNamespace ? (outerID(of: uid) ?? uid) : uid
        let rootless: Bool
        switch override {
        case .auto: rootless = kind != .root
        case .yes: rootless = true
        case .no: rootless = false
        }
        let setgroups = kind == .rootInUserNamespace
            ? FileIO.readText("/proc/self/setgroups").map { $0.hasPrefix("allow") } ?? true
            : kind == .root
        return Identity(kind: kind, uid: uid, gid: gid, sessionUID: session, rootless: rootless, canSetGroups: setgroups)
    }

    public static func inInitialUserNamespace() -> Bool {
        var st = stat()
        guard stat("/proc/self/ns/user", &st) == 0 else { return true }
        return UInt(st.st_ino) == initialUserNamespaceInode
    }

    /// What `id` inside our user namespace is in the parent namespace (first matching range).
    static func outerID(of id: UInt32) -> UInt32? {
        IDMapping.read(mapFile: "/proc/self/uid_map")?.hostID(for: id)
    }

    /// The uid and gid ranges that exist where we run, or nil when every id does (real root).
    /// A container without a user namespace of its own can only use these ids.
    public func ownMappings() -> (uids: [IDMapping], gids: [IDMapping])? {
        guard kind == .rootInUserNamespace,
              let uids = IDMapping.read(mapFile: "/proc/self/uid_map"),
              let gids = IDMapping.read(mapFile: "/proc/self/gid_map") else { return nil }
        return (uids, gids)
    }

    /// An unprivileged user cannot create mount, pid or other namespaces on its own:
    /// it needs a user namespace of its own first, in which it becomes root.
    public var needsOwnUserNamespace: Bool { kind == .unprivileged }

    /// Only real root can create device nodes; elsewhere they are bind-mounted from the host.
    public var canCreateDevices: Bool { kind == .root }

    /// The id mapping an unprivileged caller can write for itself without helpers:
    /// its own id to 0, one id wide.
    public var selfUIDMapping: [IDMapping] { [IDMapping(containerID: 0, hostID: uid, size: 1)] }
    public var selfGIDMapping: [IDMapping] { [IDMapping(containerID: 0, hostID: gid, size: 1)] }
}
