@testable import Rootless
import Testing

@Suite("ID mappings")
struct IDMappingTests {
    static let range = IDMapping(containerID: 100, hostID: 200_000, size: 10)

    @Test("hostID(for:) inside and around one range", arguments: [
        (0, nil), (99, nil), (100, 200_000), (105, 200_005), (109, 200_009), (110, nil), (UInt32.max, nil),
    ] as [(UInt32, UInt32?)])
    func single(_ id: UInt32, _ expected: UInt32?) {
        #expect(Self.range.hostID(for: id) == expected)
    }

    @Test("an empty range maps nothing")
    func empty() {
        let none = IDMapping(containerID: 0, hostID: 1000, size: 0)
        #expect(none.hostID(for: 0) == nil)
        #expect(none.hostID(for: 1) == nil)
    }

    @Test("a range ending at the top of the id space does not overflow")
    func topOfRange() {
        let top = IDMapping(containerID: UInt32.max - 1, hostID: 5, size: 2)
        #expect(top.hostID(for: UInt32.max) == 6)
        #expect(top.hostID(for: UInt32.max - 1) == 5)
        #expect(top.hostID(for: UInt32.max - 2) == nil)
        let all = IDMapping(containerID: 0, hostID: 0, size: UInt32.max)
        #expect(all.hostID(for: UInt32.max - 1) == UInt32.max - 1)
        #expect(all.hostID(for: UInt32.max) == nil)
    }

    @Test("a list answers with the first range that matches")
    func list() {
        let ranges = [
            IDMapping(containerID: 0, hostID: 1000, size: 1),
            IDMapping(containerID: 1, hostID: 100_000, size: 65536),
            IDMapping(containerID: 1, hostID: 7, size: 1),
        ]
        #expect(ranges.hostID(for: 0) == 1000)
        #expect(ranges.hostID(for: 1) == 100_000)
        #expect(ranges.hostID(for: 65536) == 165_535)
        #expect(ranges.hostID(for: 65537) == nil)
        #expect([IDMapping]().hostID(for: 0) == nil)
    }

    @Test("mapFileText: one 'inside outside count' line per range")
    func mapFileText() {
        #expect([IDMapping]().mapFileText == "")
        #expect([IDMapping(containerID: 0, hostID: 1000, size: 1)].mapFileText == "0 1000 1\n")
        #expect([IDMapping(containerID: 0, hostID: 1000, size: 1), IDMapping(containerID: 1, hostID: 100_000, size: 65536)].mapFileText
            == "0 1000 1\n1 100000 65536\n")
        #expect([IDMapping(containerID: 0, hostID: 0, size: UInt32.max)].mapFileText == "0 0 4294967295\n")
    }

    @Test("read(mapFile:) parses the kernel's padded columns and skips junk")
    func read() throws {
        let dir = try TempDir("rsrun-idmap")
        let path = dir.makeFile("uid_map", "         0          0 4294967295\n      1000     100000      65536\nbad line\n1 2\n\n")
        #expect(IDMapping.read(mapFile: path) == [
            IDMapping(containerID: 0, hostID: 0, size: 4_294_967_295),
            IDMapping(containerID: 1000, hostID: 100_000, size: 65536),
        ])
        #expect(IDMapping.read(mapFile: dir.makeFile("empty")) == [])
        #expect(IDMapping.read(mapFile: dir.sub("missing")) == nil)
    }

    @Test("mapFileText reads back")
    func roundTrip() throws {
        let dir = try TempDir("rsrun-idmap")
        let ranges = [IDMapping(containerID: 0, hostID: 1000, size: 1), IDMapping(containerID: 1, hostID: 100_000, size: 65536)]
        #expect(IDMapping.read(mapFile: dir.makeFile("map", ranges.mapFileText)) == ranges)
    }

    @Test("an identity's own single mappings")
    func selfMappings() {
        let identity = Identity(kind: .unprivileged, uid: 1000, gid: 1001, sessionUID: 1000, rootless: true)
        #expect(identity.selfUIDMapping == [IDMapping(containerID: 0, hostID: 1000, size: 1)])
        #expect(identity.selfGIDMapping == [IDMapping(containerID: 0, hostID: 1001, size: 1)])
        #expect(identity.needsOwnUserNamespace)
        #expect(!identity.canCreateDevices)
        #expect(Identities.root.canCreateDevices && !Identities.root.needsOwnUserNamespace)
        #expect(!Identities.rootInUserNamespace.canCreateDevices && !Identities.rootInUserNamespace.needsOwnUserNamespace)
        #expect(Identities.root.ownMappings == nil)
    }
}
