import CShim
import Glibc
import Rootless

/// `linux.namespaces` split into the namespaces clone3 creates and those joined by path,
/// checked against the fields that depend on that split. Pure: nothing is opened here.
struct NamespaceLayout: Equatable {
    struct Joined: Equatable {
        var kind: NamespaceKind
        var path: String
        /// Its index in `linux.namespaces`, for errors.
        var index: Int

        var field: String { "linux.namespaces[\(index)].path" }
    }

    var created: Set<NamespaceKind>
    /// In the order they are entered: the user namespace first, since joining the others and
    /// creating new ones takes the capabilities it gives (and the new ones must be its own).
    var joined: [Joined]

    func joins(_ kind: NamespaceKind) -> Joined? { joined.first { $0.kind == kind } }

    /// Duplicates and unknown types were refused by the spec's own validation already.
    static func split(_ linux: Spec.Linux, needsOwnUserNamespace: Bool) throws -> NamespaceLayout {
        var created = Set<NamespaceKind>()
        var joined: [Joined] = []
        for (i, ns) in linux.namespaces.enumerated() {
            if let path = ns.path, !path.isEmpty {
                joined.append(Joined(kind: ns.type, path: path, index: i))
            } else {
                created.insert(ns.type)
            }
        }
        // A stable sort: the user namespace first, the others as listed.
        joined = joined.filter { $0.kind == .user } + joined.filter { $0.kind != .user }
        let layout = NamespaceLayout(created: created, joined: joined)
        if let user = layout.joins(.user) {
            for (field, maps) in [("linux.uidMappings", linux.uidMappings), ("linux.gidMappings", linux.gidMappings)] where !maps.isEmpty {
                throw RuntimeError(path: field, "must be empty when joining an existing user namespace (\(user.field)): its maps are already written")
            }
        } else if needsOwnUserNamespace {
            return try NamespaceLayout(created: created.union([.user]), joined: joined).checked(linux)
        }
        return try layout.checked(linux)
    }

    private func checked(_ linux: Spec.Linux) throws -> NamespaceLayout {
        if !created.contains(.mount) && joins(.mount) == nil {
            throw RuntimeError(path: "linux.namespaces", "a mount namespace is required (add {\"type\": \"mount\"})")
        }
        if linux.timeOffsets != nil && !created.contains(.time) {
            // Offsets can be written only before the first process enters a time namespace.
            if let time = joins(.time) {
                throw RuntimeError(path: "linux.timeOffsets", "needs a new time namespace; the one joined at \(time.field) keeps its own offsets")
            }
            throw RuntimeError(path: "linux.timeOffsets", "needs a new time namespace (linux.namespaces: time)")
        }
        return self
    }
}

/// The namespaces the container joins, opened by `create` before it makes anything, their
/// type checked against the one declared. The init inherits the fds (clone3 copies the fd
/// table) and enters them with setns(2): a path never gets resolved twice.
public struct NamespaceJoins: Sendable {
    public struct Entry: Sendable, Equatable {
        public var kind: NamespaceKind
        /// The CLONE_NEW* flag: setns(2)'s nstype.
        public var flag: UInt64
        public var fd: Int32
        public var path: String
        /// `linux.namespaces[N].path`, for errors.
        public var field: String
    }

    /// In the order to enter them: the user namespace first.
    public var entries: [Entry] = []
    /// Set when an intermediate process enters them before the clone3 that makes the init
    /// (NamespaceJoin): a joined pid namespace applies to children only, and a joined user
    /// namespace must own the namespaces created after it. A new user namespace made by that
    /// clone3 has no capabilities over namespaces outside it, so it too needs the others
    /// joined first. Otherwise the init enters them itself, and no process is added.
    public var beforeClone = false

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }
    public var joinsUser: Bool { entries.contains { $0.kind == .user } }
    public var joinsMount: Bool { entries.contains { $0.kind == .mount } }
    public var joinsPid: Bool { entries.contains { $0.kind == .pid } }
    public var fds: [Int32] { entries.map(\.fd) }

    public func close() {
        for entry in entries { _ = Glibc.close(entry.fd) }
    }

    /// ioctl_ns(2) NS_GET_NSTYPE, _IO(0xb7, 0x3): the CLONE_NEW* type of a namespace fd.
    static let getNamespaceType: UInt = 0xb703

    /// Opens each path and checks its type. A user namespace that is already ours is not
    /// joined: setns(2) refuses to enter one's own, and there is nothing to enter.
    /// `unprivileged`: rsrun's own user namespace gives no right to make namespaces (an
    /// ordinary user in the initial one), so joining it cannot work.
    static func open(_ joined: [NamespaceLayout.Joined], createsUser: Bool, unprivileged: Bool = false) throws -> NamespaceJoins {
        var joins = NamespaceJoins()
        do {
            for ns in joined {
                let entry = try openOne(ns)
                if ns.kind == .user && isOwnUserNamespace(entry.fd) {
                    Glibc.close(entry.fd)
                    if unprivileged {
                        throw RuntimeError(path: ns.field, "\(ns.path) is the user namespace rsrun runs in, where an unprivileged user cannot make "
                            + "the container's other namespaces; leave the path out to give the container a user namespace of its own")
                    }
                    continue
                }
                joins.entries.append(entry)
            }
        } catch {
            joins.close()
            throw error
        }
        joins.beforeClone = joins.joinsUser || joins.joinsPid || (createsUser && !joins.isEmpty)
        return joins
    }

    static func openOne(_ ns: NamespaceLayout.Joined) throws -> Entry {
        let flag = PlanCompiler.namespaceFlags[ns.kind]!
        let fd = Glibc.open(ns.path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = cshim_errno()
            if code == ENOENT { throw RuntimeError(path: ns.field, "\(ns.path) does not exist") }
            throw RuntimeError(path: ns.field, "open \(ns.path)", errno: code)
        }
        let type = cshim_ioctl_int(fd, getNamespaceType, 0)
        if type < 0 {
            let code = cshim_errno()
            Glibc.close(fd)
            if code == ENOTTY || code == EINVAL { throw RuntimeError(path: ns.field, "\(ns.path) is not a namespace file") }
            throw RuntimeError(path: ns.field, "NS_GET_NSTYPE \(ns.path)", errno: code)
        }
        if UInt64(type) != flag {
            Glibc.close(fd)
            let actual = PlanCompiler.namespaceFlags.first { $0.value == UInt64(type) }?.key.rawValue ?? "unknown (\(type))"
            throw RuntimeError(path: ns.field, "\(ns.path) is a\(actual == "ipc" || actual == "uts" ? "n" : "") \(actual) namespace, not \(ns.kind.rawValue)")
        }
        return Entry(kind: ns.kind, flag: flag, fd: fd, path: ns.path, field: ns.field)
    }

    static func isOwnUserNamespace(_ fd: Int32) -> Bool {
        var theirs = stat()
        var ours = stat()
        return fstat(fd, &theirs) == 0 && stat("/proc/self/ns/user", &ours) == 0
            && theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev
    }
}

/// What `create` can know of a joined user namespace before entering it: its maps and its
/// setgroups setting, read from /proc/<pid>/ when the path names a process's namespace (and
/// it is still the one opened). A namespace file bound elsewhere (/run/userns/x) tells
/// nothing of its maps: the ids are then checked only by setresuid(2) in the init, which
/// names the field when it fails.
struct JoinedUserNamespace {
    var maps: IDMaps
    var setgroupsDenied: Bool

    static func inspect(_ entry: NamespaceJoins.Entry) -> JoinedUserNamespace? {
        guard let pid = processID(in: entry.path) else { return nil }
        let base = "/proc/\(pid)/"
        var opened = stat()
        var named = stat()
        guard fstat(entry.fd, &opened) == 0, stat(base + "ns/user", &named) == 0,
              opened.st_ino == named.st_ino, opened.st_dev == named.st_dev,
              let uids = IDMapping.read(mapFile: base + "uid_map"), let gids = IDMapping.read(mapFile: base + "gid_map")
        else { return nil }
        let denied = FileIO.readText(base + "setgroups")?.hasPrefix("deny") ?? false
        return JoinedUserNamespace(maps: IDMaps(uids: uids, gids: gids), setgroupsDenied: denied)
    }

    /// `/proc/<pid>/ns/user` → pid; anything else → nil.
    static func processID(in path: String) -> Int32? {
        let parts = path.split(separator: "/")
        guard parts.count == 4, parts[0] == "proc", parts[2] == "ns", parts[3] == "user" else { return nil }
        return Int32(parts[1])
    }
}
