import Testing
@testable import Core
@testable import Rootless

/// Crashes and silent drops found by review, kept from coming back.
@Suite struct Regressions {
    @Test func realtimeSignalOffsetOverflowIsAnError() {
        #expect(throws: RuntimeError(path: "signal", "unknown signal \"RTMIN+2147483647\"")) {
            try Signals.parse("RTMIN+2147483647")
        }
    }

    @Test func mappingAtTheTopOfTheIDSpaceDoesNotTrap() {
        let top = IDMapping(containerID: 0, hostID: 4_294_967_294, size: 2)
        #expect(top.hostID(for: 1) == 4_294_967_295)
        let over = IDMapping(containerID: 0, hostID: 4_294_967_295, size: 2)
        #expect(over.hostID(for: 1) == nil)
    }

    @Test(arguments: [
        (#"{"containerID": 0, "hostID": 4294967295, "size": 2}"#, "linux.uidMappings[0]: range 0:4294967295:2 runs past 4294967295"),
        (#"{"containerID": 4294967295, "hostID": 0, "size": 2}"#, "linux.uidMappings[0]: range 4294967295:0:2 runs past 4294967295"),
        (#"{"containerID": 0, "hostID": 1000, "size": 0}"#, "linux.uidMappings[0]: range 0:1000:0 is empty"),
    ])
    func mappingRangesMustFit(_ mapping: String, _ message: String) {
        let json = #"{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "linux": {"uidMappings": ["# + mapping + "]}}"
        do {
            _ = try Spec.parse(Array(json.utf8))
            Issue.record("accepted \(mapping)")
        } catch let error as RuntimeError {
            #expect(error.description == message)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func rroIsKeptNotDropped() {
        let parsed = MountOptions.parse(["rbind", "rro", "nosuid"])
        #expect(parsed.recursiveAttributes == RecursiveAttributes(attrSet: MountAttribute.readonly, attrClear: 0))
        #expect(parsed.data.isEmpty)
    }

    @Test(arguments: ["idmap", "ridmap", "idmap=uids=0-1000-10;gids=0-1000-10"])
    func idmapOptionsAreRecognised(_ option: String) {
        #expect(MountOptions.parse(["bind", option]).idmap == option)
    }
}

@Suite struct IdmappedMountsNotIgnored {
    /// Mappings without an idmap option once went unnoticed; then they were refused; now they
    /// are applied (as runc: a non-recursive idmapping).
    @Test func mountMappingsAreAppliedNotIgnored() throws {
        let bundle = try TestBundle()
        var spec = bundle.spec()
        spec.mounts = [#"{"destination": "/data", "type": "bind", "source": "/tmp", "options": ["rbind"], "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}"#]
        let step = try #require(try bundle.compile(spec, as: Identities.root).mounts.first)
        #expect(step.idmap?.uids == [IDMapping(containerID: 0, hostID: 1000, size: 1)])
        #expect(step.idmap?.recursive == false)
    }
}
