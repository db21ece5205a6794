@testable import Core
@testable import Rootless
import Testing

@Suite("Namespace layout and joins")
struct NamespacePlanTests {
    static func linux(_ namespaces: [Spec.Namespace], uids: [IDMapping] = [], gids: [IDMapping] = [],
                      offsets: Spec.TimeOffsets? = nil) -> Spec.Linux {
        var linux = Spec.Linux()
        linux.namespaces = namespaces
        linux.uidMappings = uids
        linux.gidMappings = gids
        linux.timeOffsets = offsets
        return linux
    }

    static let map = [IDMapping(containerID: 0, hostID: 1000, size: 1)]

    // MARK: the layout (pure)

    @Test("created and joined are split; the user namespace is joined first")
    func split() throws {
        let layout = try NamespaceLayout.split(Self.linux([
            Spec.Namespace(type: .network, path: "/run/netns/a"), Spec.Namespace(type: .mount),
            Spec.Namespace(type: .pid, path: "/proc/7/ns/pid"), Spec.Namespace(type: .user, path: "/proc/7/ns/user"),
            Spec.Namespace(type: .ipc, path: ""),
        ]), needsOwnUserNamespace: true)
        #expect(layout.created == [.mount, .ipc])
        #expect(layout.joined.map(\.kind) == [.user, .network, .pid])
        #expect(layout.joined.map(\.index) == [3, 0, 2])
        #expect(layout.joined.first?.field == "linux.namespaces[3].path")
    }

    @Test("an unprivileged caller gets a user namespace of its own unless it joins one")
    func ownUserNamespace() throws {
        let plain = try NamespaceLayout.split(Self.linux([Spec.Namespace(type: .mount)]), needsOwnUserNamespace: true)
        #expect(plain.created == [.mount, .user])
        let joining = try NamespaceLayout.split(Self.linux([Spec.Namespace(type: .mount), Spec.Namespace(type: .user, path: "/proc/7/ns/user")]),
                                                needsOwnUserNamespace: true)
        #expect(joining.created == [.mount])
    }

    @Test("a joined user namespace with mappings is refused", arguments: [true, false])
    func joinedUserWithMappings(_ uids: Bool) throws {
        let linux = Self.linux([Spec.Namespace(type: .mount), Spec.Namespace(type: .user, path: "/proc/7/ns/user")],
                               uids: uids ? Self.map : [], gids: uids ? [] : Self.map)
        let error = #expect(throws: RuntimeError.self) { try NamespaceLayout.split(linux, needsOwnUserNamespace: false) }
        #expect(error?.description == "linux.\(uids ? "uid" : "gid")Mappings: must be empty when joining an existing user namespace (linux.namespaces[1].path): its maps are already written")
    }

    @Test("timeOffsets need a new time namespace; a joined one does not count")
    func timeOffsets() throws {
        let offsets = Spec.TimeOffsets(boottime: Spec.TimeOffset(secs: 86400))
        let none = #expect(throws: RuntimeError.self) {
            try NamespaceLayout.split(Self.linux([Spec.Namespace(type: .mount)], offsets: offsets), needsOwnUserNamespace: false)
        }
        #expect(none?.description == "linux.timeOffsets: needs a new time namespace (linux.namespaces: time)")
        let joined = #expect(throws: RuntimeError.self) {
            try NamespaceLayout.split(Self.linux([Spec.Namespace(type: .mount), Spec.Namespace(type: .time, path: "/proc/7/ns/time")], offsets: offsets),
                                      needsOwnUserNamespace: false)
        }
        #expect(joined?.description == "linux.timeOffsets: needs a new time namespace; the one joined at linux.namespaces[1].path keeps its own offsets")
        let new = try NamespaceLayout.split(Self.linux([Spec.Namespace(type: .mount), Spec.Namespace(type: .time)], offsets: offsets),
                                            needsOwnUserNamespace: false)
        #expect(new.created == [.mount, .time])
    }

    @Test("a mount namespace, new or joined, is required")
    func mount() throws {
        let error = #expect(throws: RuntimeError.self) {
            try NamespaceLayout.split(Self.linux([Spec.Namespace(type: .pid)]), needsOwnUserNamespace: false)
        }
        #expect(error?.description == "linux.namespaces: a mount namespace is required (add {\"type\": \"mount\"})")
        let joined = try NamespaceLayout.split(Self.linux([Spec.Namespace(type: .mount, path: "/proc/7/ns/mnt")]), needsOwnUserNamespace: false)
        #expect(joined.created.isEmpty && joined.joins(.mount) != nil)
    }

    @Test("a type listed twice names the second entry")
    func duplicate() throws {
        var spec = SpecBuilder(rootPath: "/")
        spec.namespaces = ["mount", "network", #"{"type": "network", "path": "/proc/1/ns/net"}"#]
        let error = #expect(throws: RuntimeError.self) { try spec.parse() }
        #expect(error?.description == #"linux.namespaces[2].type: duplicate namespace type "network" (also linux.namespaces[1])"#)
    }

    @Test("/proc/<pid>/ns/user names a process whose maps can be read")
    func processID() {
        #expect(JoinedUserNamespace.processID(in: "/proc/123/ns/user") == 123)
        #expect(JoinedUserNamespace.processID(in: "/proc/self/ns/user") == nil)
        #expect(JoinedUserNamespace.processID(in: "/run/userns/a") == nil)
        #expect(JoinedUserNamespace.processID(in: "/proc/123/ns/net") == nil)
    }

    // MARK: opening (this process's own namespaces)

    static func joined(_ kind: NamespaceKind, _ path: String, index: Int = 1) -> NamespaceLayout.Joined {
        NamespaceLayout.Joined(kind: kind, path: path, index: index)
    }

    @Test("the declared type must be the namespace's")
    func mismatch() {
        let error = #expect(throws: RuntimeError.self) { try NamespaceJoins.open([Self.joined(.network, "/proc/self/ns/pid", index: 2)], createsUser: false) }
        #expect(error?.description == "linux.namespaces[2].path: /proc/self/ns/pid is a pid namespace, not network")
        let ipc = #expect(throws: RuntimeError.self) { try NamespaceJoins.open([Self.joined(.uts, "/proc/self/ns/ipc")], createsUser: false) }
        #expect(ipc?.description == "linux.namespaces[1].path: /proc/self/ns/ipc is an ipc namespace, not uts")
    }

    @Test("a missing path, and a file that is no namespace, are refused")
    func notNamespaces() {
        let missing = #expect(throws: RuntimeError.self) { try NamespaceJoins.open([Self.joined(.network, "/nonexistent/rsrun/ns")], createsUser: false) }
        #expect(missing?.description == "linux.namespaces[1].path: /nonexistent/rsrun/ns does not exist")
        let file = #expect(throws: RuntimeError.self) { try NamespaceJoins.open([Self.joined(.network, "/proc/self/status")], createsUser: false) }
        #expect(file?.description == "linux.namespaces[1].path: /proc/self/status is not a namespace file")
    }

    @Test("an intermediate process only for a joined user or pid namespace, or a new user namespace with joins", arguments: [
        ([NamespaceKind.network], false, false),
        ([.network, .ipc, .uts, .cgroup, .mount, .time], false, false),
        ([.network], true, true),
        ([.pid], false, true),
        ([], true, false),
    ] as [([NamespaceKind], Bool, Bool)])
    func beforeClone(_ kinds: [NamespaceKind], _ createsUser: Bool, _ expected: Bool) throws {
        let names: [NamespaceKind: String] = [.network: "net", .ipc: "ipc", .uts: "uts", .cgroup: "cgroup", .mount: "mnt", .time: "time", .pid: "pid"]
        let joins = try NamespaceJoins.open(kinds.enumerated().map { Self.joined($1, "/proc/self/ns/" + names[$1]!, index: $0) }, createsUser: createsUser)
        defer { joins.close() }
        #expect(joins.entries.map(\.kind) == kinds)
        #expect(joins.beforeClone == expected)
    }
}
