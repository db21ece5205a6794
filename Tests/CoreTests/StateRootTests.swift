import Glibc
@testable import Rootless
import Testing

@Suite("State root")
struct StateRootTests {
    /// A uid with (almost certainly) no /run/user directory and owning nothing we create.
    static let strangerUID: UInt32 = 3_999_999_999

    static func unprivileged(uid: UInt32, session: UInt32? = nil) -> Identity {
        Identity(kind: .unprivileged, uid: uid, gid: uid, sessionUID: session ?? uid, rootless: true, canSetGroups: false)
    }

    static func cwd() -> String {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buf, buf.count) != nil else { return "/" }
        return buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    @Test("--root wins for every identity and is made absolute and normalized", arguments: [
        Identity.Kind.root, .unprivileged, .rootInUserNamespace,
    ])
    func explicit(_ kind: Identity.Kind) throws {
        let identity = Identities.of(kind)
        #expect(try StateRoot.resolve(explicit: "/var/lib/x/", identity: identity, xdgRuntimeDir: "/tmp") == "/var/lib/x")
        #expect(try StateRoot.resolve(explicit: "/a/./b/../c//d", identity: identity, xdgRuntimeDir: nil) == "/a/c/d")
        #expect(try StateRoot.resolve(explicit: "state/dir", identity: identity, xdgRuntimeDir: nil)
            == StateRoot.absolute(Self.cwd()) + "/state/dir")
        #expect(try StateRoot.resolve(explicit: "../up", identity: identity, xdgRuntimeDir: nil)
            == StateRoot.absolute(Self.cwd() + "/../up"))
    }

    @Test("an empty --root counts as not given")
    func explicitEmpty() throws {
        #expect(try StateRoot.resolve(explicit: "", identity: Identities.root, xdgRuntimeDir: nil) == "/run/rsrun")
    }

    @Test("real root uses /run/rsrun whatever XDG_RUNTIME_DIR says", arguments: [nil, "", "/tmp", "/run/user/0"] as [String?])
    func root(_ xdg: String?) throws {
        #expect(try StateRoot.resolve(explicit: nil, identity: Identities.root, xdgRuntimeDir: xdg) == StateRoot.systemRoot)
        #expect(StateRoot.systemRoot == "/run/rsrun")
    }

    @Test("an owned XDG_RUNTIME_DIR is used")
    func ownedXDG() throws {
        let dir = try TempDir("rsrun-xdg")
        let identity = Self.unprivileged(uid: currentUID(), session: Self.strangerUID)
        #expect(try StateRoot.resolve(explicit: nil, identity: identity, xdgRuntimeDir: dir.path) == dir.path + "/rsrun")
        // Root-in-userns is not `.root`: it follows the same rules.
        let nested = Identity(kind: .rootInUserNamespace, uid: currentUID(), gid: 0, sessionUID: Self.strangerUID, rootless: true)
        #expect(try StateRoot.resolve(explicit: nil, identity: nested, xdgRuntimeDir: dir.path) == dir.path + "/rsrun")
    }

    @Test("an XDG_RUNTIME_DIR that is not ours is an error that says why and what to do")
    func notOwned() throws {
        try #require(!FileIO.exists("/run/user/\(Self.strangerUID)"))
        let dir = try TempDir("rsrun-xdg")
        let file = dir.makeFile("file")
        let fix = "; pass --root DIR, or set XDG_RUNTIME_DIR to a directory you own (mode 0700)"

        // Exists, but owned by someone else (whoever runs the tests, not strangerUID): after `su`.
        let stranger = Self.unprivileged(uid: Self.strangerUID)
        var error = #expect(throws: RuntimeError.self) {
            try StateRoot.resolve(explicit: nil, identity: stranger, xdgRuntimeDir: dir.path)
        }
        #expect(error?.description == "XDG_RUNTIME_DIR: \(dir.path) belongs to uid \(currentUID()), not to you (uid \(Self.strangerUID)), "
            + "as after `su` without a login session; log in as the user (ssh, machinectl shell) or pass --root DIR")

        // Not a directory, relative, missing: each says so.
        let me = Self.unprivileged(uid: currentUID(), session: Self.strangerUID)
        for (bad, why) in [(file, "\(file) is not a directory"), ("relative/dir", "must be an absolute path, got \"relative/dir\""),
                           ("/nonexistent-rsrun-xdg", "/nonexistent-rsrun-xdg does not exist")] {
            error = #expect(throws: RuntimeError.self) { try StateRoot.resolve(explicit: nil, identity: me, xdgRuntimeDir: bad) }
            #expect(error?.description == "XDG_RUNTIME_DIR: \(why)" + fix)
        }
    }

    @Test("XDG_RUNTIME_DIR unset or empty", arguments: [nil, ""] as [String?])
    func unset(_ xdg: String?) throws {
        try #require(!FileIO.exists("/run/user/\(Self.strangerUID)"))
        let error = #expect(throws: RuntimeError.self) {
            try StateRoot.resolve(explicit: nil, identity: Self.unprivileged(uid: Self.strangerUID), xdgRuntimeDir: xdg)
        }
        #expect(error?.path == "XDG_RUNTIME_DIR")
        #expect(error?.description == "XDG_RUNTIME_DIR: it is not set, and /run/user/\(Self.strangerUID) does not exist (no login session); "
            + "pass --root DIR, or set XDG_RUNTIME_DIR to a directory you own (mode 0700)")
    }

    /// Only runs where this user has a session directory (a normal login); /run is not ours to create in.
    @Test("without XDG_RUNTIME_DIR, /run/user/<sessionUID> is used",
          .enabled(if: StateRoot.ownedDirectory("/run/user/\(getuid())", uid: UInt32(getuid())),
                   "needs /run/user/<uid> owned by the user running the tests (a login session); the integration tests cover this for the test user"))
    func fallback() throws {
        let me = Self.unprivileged(uid: currentUID())
        for xdg in [nil, ""] as [String?] {
            #expect(try StateRoot.resolve(explicit: nil, identity: me, xdgRuntimeDir: xdg) == "/run/user/\(currentUID())/rsrun")
        }
    }

    @Test("absolute() normalizes . .. and doubled slashes", arguments: [
        ("/", "/"), ("//", "/"), ("/.", "/"), ("/..", "/"), ("/../../..", "/"), ("//a//b/", "/a/b"),
        ("/a/./b", "/a/b"), ("/a/b/..", "/a"), ("/a/../../b", "/b"), ("/a/b/../../c/./d/", "/c/d"),
        ("/a/.../b", "/a/.../b"), ("/a/..b/.c", "/a/..b/.c"),
    ])
    func absolute(_ path: String, _ expected: String) {
        #expect(StateRoot.absolute(path) == expected)
    }

    @Test("absolute() resolves relative paths against the working directory")
    func absoluteRelative() {
        let cwd = StateRoot.absolute(Self.cwd())
        #expect(StateRoot.absolute("x") == (cwd == "/" ? "/x" : cwd + "/x"))
        #expect(StateRoot.absolute(".") == cwd)
        #expect(StateRoot.absolute("./x/../y/") == (cwd == "/" ? "/y" : cwd + "/y"))
    }
}
