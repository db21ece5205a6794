@testable import Rootless
import Testing

@Suite("Subordinate ids (/etc/subuid, /etc/subgid)")
struct SubordinateIDsTests {
    static let file = """
        # ranges
        alice:100000:65536
        bob:165536:65536
        1003:231072:1000
        alice:300000:10
        broken line
        carol:x:10
        dave:400000:0
        :500000:10

        """

    @Test("by login name and by numeric uid, in file order; bad lines skipped")
    func lookup() {
        let text = Self.file
        #expect(SubordinateIDs.ranges(in: text, name: "alice", uid: 1001)
            == [.init(start: 100_000, count: 65536), .init(start: 300_000, count: 10)])
        #expect(SubordinateIDs.ranges(in: text, name: "erin", uid: 1003) == [.init(start: 231_072, count: 1000)])
        #expect(SubordinateIDs.ranges(in: text, name: nil, uid: 1003) == [.init(start: 231_072, count: 1000)])
        #expect(SubordinateIDs.ranges(in: text, name: "carol", uid: 1004).isEmpty)
        #expect(SubordinateIDs.ranges(in: text, name: "dave", uid: 1005).isEmpty)
        #expect(SubordinateIDs.ranges(in: "", name: "alice", uid: 1001).isEmpty)
    }

    @Test("the suggested new range starts after every existing one")
    func freeStart() {
        #expect(SubordinateIDs.freeStart(in: "") == 100_000)
        #expect(SubordinateIDs.freeStart(in: Self.file) == 300_010)
        #expect(SubordinateIDs.howToAdd(.uid, name: "erin", fileText: "alice:100000:65536\n")
            == "add the line \"erin:165536:65536\" to /etc/subuid (as root: usermod --add-subuids 165536-231071 erin)")
        #expect(SubordinateIDs.howToAdd(.gid, name: "erin", fileText: nil)
            == "add the line \"erin:100000:65536\" to /etc/subgid (as root: usermod --add-subgids 100000-165535 erin)")
    }

    @Test("nsswitch: only sources other than files count", arguments: [
        ("passwd: files\nsubid: sss\n", "sss"),
        ("subid:\tfiles sss\n", "sss"),
        ("subid: files\n", nil),
        ("passwd: files systemd\n", nil),
        ("#subid: sss\n", nil),
    ] as [(String, String?)])
    func nss(_ text: String, _ expected: String?) {
        #expect(SubordinateIDs.nssSources(nsswitch: text) == expected)
    }
}

@Suite("Id map checks")
struct IDMapChecksTests {
    static func r(_ c: UInt32, _ h: UInt32, _ s: UInt32) -> IDMapping { IDMapping(containerID: c, hostID: h, size: s) }

    @Test("valid maps have no problem")
    func valid() {
        #expect([Self.r(0, 1000, 1), Self.r(1, 100_000, 65536)].mapProblem() == nil)
        #expect([Self.r(0, 0, 4_294_967_295)].mapProblem() == nil)
        #expect([IDMapping]().mapProblem() == nil)
    }

    @Test("overlaps on either side, empty, too wide and too many are named", arguments: [
        ([r(0, 1000, 10), r(5, 2000, 10)], 1, "container ids 5-14 overlap those of range 0 (0-9)"),
        ([r(0, 1000, 10), r(10, 1009, 1)], 1, "host ids 1009 overlap those of range 0 (1000-1009)"),
        ([r(0, 1000, 1), r(1, 0, 0)], 1, "range 1:0:0 is empty"),
        ([r(0, 4_294_967_295, 2)], 0, "range 0:4294967295:2 runs past 4294967295"),
    ] as [([IDMapping], Int, String)])
    func problems(_ ranges: [IDMapping], _ index: Int, _ message: String) {
        let problem = ranges.mapProblem()
        #expect(problem?.index == index)
        #expect(problem?.message == message)
    }

    @Test("more than 340 ranges")
    func tooMany() {
        let ranges = (0..<341).map { Self.r(UInt32($0), UInt32($0) + 1000, 1) }
        #expect(ranges.mapProblem()?.message == "a map holds at most 340 ranges, got 341")
    }

    @Test("host coverage joins adjacent ranges")
    func coverage() {
        let have = [Self.r(0, 1000, 1), Self.r(1, 200_000, 100), Self.r(101, 200_100, 50)]
        #expect(have.coversHostIDs(1000, count: 1))
        #expect(have.coversHostIDs(200_000, count: 150))
        #expect(!have.coversHostIDs(200_000, count: 151))
        #expect(!have.coversHostIDs(999, count: 2))
        #expect(have.helperArguments == ["0", "1000", "1", "1", "200000", "100", "101", "200100", "50"])
    }
}
