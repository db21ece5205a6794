import Glibc
@testable import Rootless
import Testing

@Suite("Id map plans: who writes the maps")
struct IDMapPlanTests {
    static let own = [IDMapping(containerID: 0, hostID: 1000, size: 1)]
    static let wide = own + [IDMapping(containerID: 1, hostID: 100_000, size: 65536)]

    @Test("root writes any maps directly; setgroups stays allowed")
    func root() throws {
        let plan = try Identities.root.idMapPlan(uids: Self.wide, gids: Self.wide)
        #expect(plan.method == .direct)
        #expect(!plan.setgroupsDenied)
    }

    @Test("an unprivileged user with no maps or only its own ids writes them itself, denying setgroups")
    func ownIDs() throws {
        for (uids, gids) in [([], []), (Self.own, Self.own), ([], Self.own)] as [([IDMapping], [IDMapping])] {
            let plan = try Identities.unprivileged(path: "/nonexistent").idMapPlan(uids: uids, gids: gids)
            #expect(plan.method == .ownIDs)
            #expect(plan.uids == Self.own && plan.gids == Self.own)
            #expect(plan.setgroupsDenied)
        }
    }

    @Test("a missing helper names the package, for either map", arguments: [true, false])
    func missingHelper(_ uidSide: Bool) {
        let identity = Identities.unprivileged(path: "/nonexistent-a:/nonexistent-b")
        let error = #expect(throws: RuntimeError.self) {
            try identity.idMapPlan(uids: uidSide ? Self.wide : Self.own, gids: uidSide ? Self.own : Self.wide)
        }
        #expect(error?.path == "newuidmap")
        #expect(error?.message.contains("install the uidmap package") == true)
    }

    @Test("an explicit helper path that is not executable names the variable")
    func explicitHelper() {
        let identity = Identities.unprivileged(path: nil, newuidmap: "/nonexistent/newuidmap")
        let error = #expect(throws: RuntimeError.self) { try identity.idMapPlan(uids: Self.wide, gids: Self.wide) }
        #expect(error?.description == "RSRUN_NEWUIDMAP: /nonexistent/newuidmap is not an executable file; unset it to search PATH for newuidmap")
    }

    @Test("helpers come from PATH; one without setuid or file capabilities is explained with the fix")
    func unprivilegedHelper() throws {
        let dir = try TempDir("rsrun-helper")
        let fake = dir.makeFile("newuidmap", "#!/bin/sh\n")
        chmod(fake, 0o755)
        dir.makeFile("newgidmap", "#!/bin/sh\n")
        chmod(dir.sub("newgidmap"), 0o755)
        let plan = try Identities.unprivileged(path: "/nonexistent:" + dir.path).idMapPlan(uids: Self.wide, gids: Self.wide)
        #expect(plan.method == .helpers(IDMapHelpers(newuidmap: fake, newgidmap: dir.sub("newgidmap"))))
        #expect(!plan.setgroupsDenied)
        // Checked only once the helper has failed, off the working path.
        let error = #expect(throws: RuntimeError.self) { try IDMapHelpers.checkPrivilege(fake, .uid) }
        #expect(error?.description == "\(fake): is neither setuid root nor given file capabilities, so it cannot write uid_map; "
            + "reinstall it (apt install --reinstall uidmap) or, as root, chmod u+s \(fake) or setcap cap_setuid+ep \(fake)")
    }

    @Test("root in a user namespace maps only ids that namespace has")
    func rootInUserNamespace() throws {
        let parent = IDMaps(uids: [IDMapping(containerID: 0, hostID: 1000, size: 1), IDMapping(containerID: 1, hostID: 100_000, size: 65536)],
                            gids: [IDMapping(containerID: 0, hostID: 1000, size: 1), IDMapping(containerID: 1, hostID: 100_000, size: 65536)])
        let identity = Identity(kind: .rootInUserNamespace, uid: 0, gid: 0, sessionUID: 1000, rootless: true, ownMappings: parent)
        let inside = [IDMapping(containerID: 0, hostID: 0, size: 1), IDMapping(containerID: 1, hostID: 1, size: 65536)]
        let plan = try identity.idMapPlan(uids: inside, gids: inside)
        #expect(plan.method == .direct)
        #expect(!plan.setgroupsDenied)

        let single = Identity(kind: .rootInUserNamespace, uid: 0, gid: 0, sessionUID: 1000, rootless: true, canSetGroups: false,
                              ownMappings: IDMaps(uids: [IDMapping(containerID: 0, hostID: 1000, size: 1)], gids: [IDMapping(containerID: 0, hostID: 1000, size: 1)]))
        let error = #expect(throws: RuntimeError.self) { try single.idMapPlan(uids: inside, gids: inside) }
        #expect(error?.path == "linux.uidMappings[1]")
        #expect(error?.message.hasPrefix("host ids 1-65536 do not exist in the user namespace rsrun runs in (it has 0); ") == true)
        #expect(try single.idMapPlan(uids: [inside[0]], gids: [inside[0]]).setgroupsDenied)
    }

    @Test("bad maps are refused before anything else")
    func badMaps() {
        let overlapping = [IDMapping(containerID: 0, hostID: 1000, size: 10), IDMapping(containerID: 5, hostID: 5000, size: 1)]
        let error = #expect(throws: RuntimeError.self) { try Identities.root.idMapPlan(uids: Self.own, gids: overlapping) }
        #expect(error?.description == "linux.gidMappings[1]: container ids 5 overlap those of range 0 (0-9)")
    }

    @Test("the setgroups advice fits how the maps were written")
    func advice() throws {
        let own = try Identities.unprivileged(path: nil).idMapPlan(uids: [], gids: [])
        #expect(own.setgroupsAdvice.contains("/etc/subgid"))
        var helpers = own
        helpers.method = .helpers(IDMapHelpers(newuidmap: "/u", newgidmap: "/g"))
        #expect(helpers.setgroupsAdvice.hasPrefix("newgidmap denies setgroups"))
        #expect(try Identities.root.idMapPlan(uids: Self.own, gids: Self.own).setgroupsAdvice == Identity.inheritedSetgroupsAdvice)
    }

    @Test("spec --rootless inside a user namespace maps its ids one to one")
    func defaultMappingsInUserNamespace() {
        let parent = IDMaps(uids: [IDMapping(containerID: 0, hostID: 1000, size: 1), IDMapping(containerID: 1, hostID: 100_000, size: 65535)],
                            gids: [IDMapping(containerID: 0, hostID: 1000, size: 1)])
        let identity = Identity(kind: .rootInUserNamespace, uid: 0, gid: 0, sessionUID: 1000, rootless: true, ownMappings: parent)
        let (maps, notes) = identity.defaultContainerMappings()
        #expect(maps.uids == [IDMapping(containerID: 0, hostID: 0, size: 1), IDMapping(containerID: 1, hostID: 1, size: 65535)])
        #expect(maps.gids == [IDMapping(containerID: 0, hostID: 0, size: 1)])
        #expect(notes.isEmpty)
    }
}
