import Core
import Glibc
@testable import Rootless
import Testing

@Suite("User namespace pool: settings, keys and adverts")
struct UserNamespacePoolTests {
    static func plan(_ uids: [IDMapping], _ gids: [IDMapping]) -> IDMapPlan {
        IDMapPlan(uids: uids, gids: gids, method: .helpers(IDMapHelpers(newuidmap: "/u", newgidmap: "/g")),
                  setgroupsDenied: false, uidField: "linux.uidMappings", gidField: "linux.gidMappings",
                  callerUID: 1000, callerGID: 1000)
    }
    static let own = [IDMapping(containerID: 0, hostID: 1000, size: 1)]
    static let wide = own + [IDMapping(containerID: 1, hostID: 100_000, size: 65536)]

    @Test("on by default with a two-minute idle limit; off, 0 or junk turns it off; N sets the limit")
    func settings() {
        let root = "/run/user/1000/rsrun"
        #expect(UserNamespacePool(stateRoot: root, environment: ProcessEnvironment())
            == UserNamespacePool(stateRoot: root, environment: ProcessEnvironment(userNamespacePool: "120")))
        #expect(UserNamespacePool(stateRoot: root, environment: ProcessEnvironment())?.directory == root + "/@userns")
        #expect(UserNamespacePool(stateRoot: root, environment: ProcessEnvironment(userNamespacePool: "7"))?.idleSeconds == 7)
        for off in ["off", "0", "-3", "soon"] {
            #expect(UserNamespacePool(stateRoot: root, environment: ProcessEnvironment(userNamespacePool: off)) == nil, "\(off)")
        }
    }

    @Test("the pool directory can never be taken for a container")
    func directoryIsNoContainerID() {
        #expect(throws: RuntimeError.self) { try ContainerID.validate("@userns") }
    }

    @Test("one key per set of maps: uid and gid maps both count, and keys are file names")
    func keys() {
        let a = UserNamespacePool.key(Self.plan(Self.wide, Self.wide))
        #expect(a == UserNamespacePool.key(Self.plan(Self.wide, Self.wide)))
        #expect(a != UserNamespacePool.key(Self.plan(Self.wide, Self.own)))
        #expect(a != UserNamespacePool.key(Self.plan(Self.own, Self.wide)))
        #expect(a.utf8.count == 16 && a.allSatisfy(\.isHexDigit))
        #expect(UserNamespacePool.mapsText(Self.plan(Self.wide, Self.own)) == "u 0:1000:1\nu 1:100000:65536\ng 0:1000:1\n")
    }

    @Test("adverts round-trip; a torn or foreign one is not read as a holder")
    func adverts() {
        let advert = UserNamespacePool.Advert(pid: 4242, startTime: 987_654, maps: "u 0:1000:1\ng 0:1000:1\n")
        #expect(UserNamespacePool.Advert(advert.bytes) == advert)
        for junk in ["", "4242 987654", "x 1\nu 0:1000:1\n", "0 5\n", "-1 5\n", "12 34 56\n"] {
            #expect(UserNamespacePool.Advert(Array(junk.utf8)) == nil, "\(junk)")
        }
    }

    @Test("claiming from an empty or missing pool joins nothing")
    func claimNothing() throws {
        let dir = try TempDir()
        let pool = try #require(UserNamespacePool(stateRoot: dir.path, environment: ProcessEnvironment()))
        #expect(pool.claim(Self.plan(Self.wide, Self.wide)) == nil)
        #expect(FileIO.makeDirectories(pool.directory, mode: 0o700))
        // An advert whose holder is gone: no process has this start time.
        let stale = UserNamespacePool.Advert(pid: 1, startTime: .max, maps: UserNamespacePool.mapsText(Self.plan(Self.wide, Self.wide)))
        try FileIO.writeAtomically(pool.advertPath(Self.plan(Self.wide, Self.wide), slot: 0), stale.bytes)
        #expect(pool.claim(Self.plan(Self.wide, Self.wide)) == nil)
        #expect(!FileIO.exists(pool.advertPath(Self.plan(Self.wide, Self.wide), slot: 0)), "a claimed advert is consumed")
    }
}
