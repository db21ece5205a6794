@testable import Core
@testable import Rootless
import Testing

@Suite("Idmapped mounts in the plan")
struct MountIDMappingTests {
    static let subordinate = [IDMapping(containerID: 0, hostID: 100_000, size: 65536)]

    /// A bundle with a `src` directory and a spec binding it at /data with `options` (and
    /// `extra` raw members of the mount object).
    static func bound(_ options: [String], extra: String = "", type: String = "bind") throws -> (TestBundle, SpecBuilder) {
        let bundle = try TestBundle()
        bundle.dir.makeDir("src")
        var spec = bundle.spec()
        let quoted = options.map(SpecBuilder.quote).joined(separator: ", ")
        spec.mounts = [#"{"destination": "/data", "type": "\#(type)", "source": "src", "options": [\#(quoted)]\#(extra)}"#]
        return (bundle, spec)
    }

    static func maps(_ uids: String, _ gids: String) -> String {
        #", "uidMappings": \#(uids), "gidMappings": \#(gids)"#
    }

    static func withUserNamespace(_ spec: inout SpecBuilder, _ ranges: [IDMapping] = subordinate) {
        spec.namespaces = ["user", "mount"]
        spec.uidMappings = ranges
        spec.gidMappings = ranges
    }

    static func mapping(_ spec: SpecBuilder, _ bundle: TestBundle, as identity: Identity = Identities.root) throws -> MountIDMapping? {
        try bundle.compile(spec, as: identity).mounts.first?.idmap
    }

    static func error(_ spec: SpecBuilder, _ bundle: TestBundle, as identity: Identity = Identities.root) -> String? {
        #expect(throws: RuntimeError.self) { try bundle.compile(spec, as: identity) }?.description
    }

    @Test("a plain bind has no idmapping: nothing is prepared for it")
    func plainBind() throws {
        let (bundle, spec) = try Self.bound(["rbind", "ro"])
        let step = try #require(try bundle.compile(spec, as: Identities.root).mounts.first)
        #expect(step.idmap == nil)
        #expect(step.detachedTree == -1)
    }

    @Test("mounts[].uidMappings/gidMappings go to the mapping namespace as written, rsrun builds it when privileged")
    func fieldsVerbatim() throws {
        let (bundle, spec) = try Self.bound(["bind", "idmap"], extra: Self.maps(
            #"[{"containerID": 1000, "hostID": 0, "size": 1}]"#, #"[{"containerID": 2000, "hostID": 5, "size": 10}]"#))
        let idmap = try #require(try Self.mapping(spec, bundle))
        #expect(idmap.uids == [IDMapping(containerID: 1000, hostID: 0, size: 1)])
        #expect(idmap.gids == [IDMapping(containerID: 2000, hostID: 5, size: 10)])
        #expect(idmap.recursive == false)
        #expect(idmap.builder == .runtime)
        #expect(idmap.uidField == "mounts[0].uidMappings" && idmap.gidField == "mounts[0].gidMappings")
    }

    @Test("mappings without an idmap option still idmap the mount, as runc does; ridmap makes it recursive",
          arguments: [([String](), false), (["idmap"], false), (["ridmap"], true), (["idmap", "ridmap"], true)])
    func recursion(_ extraOptions: [String], _ recursive: Bool) throws {
        let (bundle, spec) = try Self.bound(["rbind"] + extraOptions, extra: Self.maps(
            #"[{"containerID": 0, "hostID": 1, "size": 1}]"#, #"[{"containerID": 0, "hostID": 1, "size": 1}]"#))
        let idmap = try #require(try Self.mapping(spec, bundle))
        #expect(idmap.recursive == recursive)
        let step = try #require(try bundle.compile(spec, as: Identities.root).mounts.first)
        #expect(step.flags & MountFlag.rec != 0)
    }

    @Test("idmap without ranges takes the container's user namespace mapping", arguments: ["idmap", "ridmap", "idmap="])
    func containerMapping(_ option: String) throws {
        var (bundle, spec) = try Self.bound(["bind", option])
        Self.withUserNamespace(&spec)
        let idmap = try #require(try Self.mapping(spec, bundle))
        #expect(idmap.uids == Self.subordinate && idmap.gids == Self.subordinate)
        #expect(idmap.uidField == "linux.uidMappings")
        #expect(idmap.recursive == option.hasPrefix("ridmap"))
    }

    @Test("idmap without ranges and without a user namespace is an error (the spec says MUST)")
    func noUserNamespace() throws {
        let (bundle, spec) = try Self.bound(["bind", "idmap"])
        #expect(Self.error(spec, bundle) == "mounts[0].options: idmap without uidMappings and gidMappings takes the container's user "
            + "namespace mapping, but the container has none: give the ranges (mounts[].uidMappings and gidMappings, or "
            + "idmap=uids=...;gids=...) or add a user namespace")
    }

    @Test("the idmap=uids=...;gids=... option, ranges joined by #")
    func optionRanges() throws {
        let (bundle, spec) = try Self.bound(["bind", "idmap=uids=0-1000-10#10-2000-10;gids=0-3000-5"])
        let idmap = try #require(try Self.mapping(spec, bundle))
        #expect(idmap.uids == [IDMapping(containerID: 0, hostID: 1000, size: 10), IDMapping(containerID: 10, hostID: 2000, size: 10)])
        #expect(idmap.gids == [IDMapping(containerID: 0, hostID: 3000, size: 5)])
        #expect(idmap.uidField == "mounts[0].options")
        #expect(idmap.recursive == false)
        let (rbundle, rspec) = try Self.bound(["rbind", "ridmap=gids=0-3000-5;uids=0-1000-10"])
        let ridmap = try #require(try Self.mapping(rspec, rbundle))
        #expect(ridmap.recursive && ridmap.uids == [IDMapping(containerID: 0, hostID: 1000, size: 10)])
    }

    @Test("a half the option leaves out comes from the container's user namespace")
    func optionHalf() throws {
        var (bundle, spec) = try Self.bound(["bind", "idmap=uids=1000-100000-1"])
        Self.withUserNamespace(&spec)
        let idmap = try #require(try Self.mapping(spec, bundle))
        #expect(idmap.uids == [IDMapping(containerID: 1000, hostID: 100_000, size: 1)])
        #expect(idmap.gids == Self.subordinate)
        spec.namespaces = ["mount"]
        spec.uidMappings = []
        spec.gidMappings = []
        #expect(Self.error(spec, bundle)?.hasPrefix("mounts[0].options: idmap=uids=1000-100000-1 without gids= takes the container's") == true)
    }

    @Test("relative (@) ranges: the second number is the container's id, made a host id through its map")
    func relative() throws {
        var (bundle, spec) = try Self.bound(["bind", "idmap=uids=@1000-0-1#@0-5-2;gids=@1000-0-1"])
        Self.withUserNamespace(&spec)
        let idmap = try #require(try Self.mapping(spec, bundle))
        #expect(idmap.uids == [IDMapping(containerID: 1000, hostID: 100_000, size: 1), IDMapping(containerID: 0, hostID: 100_005, size: 2)])
        #expect(idmap.gids == [IDMapping(containerID: 1000, hostID: 100_000, size: 1)])

        spec.uidMappings = [IDMapping(containerID: 0, hostID: 100_000, size: 4)]
        #expect(Self.error(spec, bundle) == "mounts[0].options: @0-5-2: container ids 5-6 are not within one range of "
            + "the container's user namespace (linux.uidMappings)")
        let (plain, noUserns) = try Self.bound(["bind", "idmap=uids=@0-0-1;gids=0-0-1"])
        #expect(Self.error(noUserns, plain) == "mounts[0].options: @0-0-1: a relative (@) range needs the container's user "
            + "namespace (linux.uidMappings) to be relative to")
    }

    @Test("malformed idmap options fail with the option named", arguments: [
        ("idmap=uids=0-1000", "idmap=uids=0-1000: range \"0-1000\" is not file-system-id-host-id-size (three numbers joined by -)"),
        ("idmap=uids=a-b-c", "idmap=uids=a-b-c: range \"a-b-c\" is not file-system-id-host-id-size (three numbers joined by -)"),
        ("idmap=uids=0-1-2-3", "idmap=uids=0-1-2-3: range \"0-1-2-3\" is not file-system-id-host-id-size (three numbers joined by -)"),
        ("idmap=uids=0--1-1", "idmap=uids=0--1-1: range \"0--1-1\" is not file-system-id-host-id-size (three numbers joined by -)"),
        ("idmap=uids=0-4294967296-1", "idmap=uids=0-4294967296-1: range \"0-4294967296-1\" is not file-system-id-host-id-size (three numbers joined by -)"),
        ("idmap=uids=0-1-1#", "idmap=uids=0-1-1#: range \"\" is not file-system-id-host-id-size (three numbers joined by -)"),
        ("idmap=uids=", "idmap=uids=: no ranges after \"=\""),
        ("idmap=users=0-1-1", "idmap=users=0-1-1: unknown part \"users=0-1-1\" (expected uids=... or gids=...)"),
        ("idmap=uids=0-1-1;uids=5-6-1", "idmap=uids=0-1-1;uids=5-6-1: uids= is given twice"),
        ("idmap=uids=0-1-0;gids=0-1-1", "uids=: range 0:1:0 is empty"),
        ("idmap=uids=0-1-10#5-100-10;gids=0-1-1", "uids=: container ids 5-14 overlap those of range 0 (0-9)"),
        ("idmap=uids=0-4294967295-2;gids=0-1-1", "uids=: range 0:4294967295:2 runs past 4294967295"),
    ])
    func malformed(_ option: String, _ message: String) throws {
        let (bundle, spec) = try Self.bound(["bind", option])
        #expect(Self.error(spec, bundle) == "mounts[0].options: " + message)
    }

    @Test("two options that both give ranges are refused; one with ranges and a bare one combine")
    func twoOptions() throws {
        let (bundle, spec) = try Self.bound(["bind", "idmap=uids=0-1-1;gids=0-1-1", "ridmap=uids=0-2-1;gids=0-2-1"])
        #expect(Self.error(spec, bundle) == "mounts[0].options: idmap=uids=0-1-1;gids=0-1-1 and ridmap=uids=0-2-1;gids=0-2-1 both give ranges: keep one")
        let (b2, s2) = try Self.bound(["bind", "ridmap", "idmap=uids=0-1-1;gids=0-1-1"])
        let idmap = try #require(try Self.mapping(s2, b2))
        #expect(idmap.recursive && idmap.uids == [IDMapping(containerID: 0, hostID: 1, size: 1)])
    }

    @Test("uidMappings without gidMappings, and the reverse, are refused (the spec wants both)")
    func bothHalves() throws {
        let (bundle, spec) = try Self.bound(["bind"], extra: #", "uidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]"#)
        #expect(Self.error(spec, bundle) == "mounts[0].gidMappings: required along with uidMappings")
        let (b2, s2) = try Self.bound(["bind"], extra: #", "gidMappings": [{"containerID": 0, "hostID": 1, "size": 1}]"#)
        #expect(Self.error(s2, b2) == "mounts[0].uidMappings: required along with gidMappings")
    }

    @Test("ranges given both in the fields and in the option are refused")
    func bothWays() throws {
        let (bundle, spec) = try Self.bound(["bind", "idmap=uids=0-1-1"], extra: Self.maps(
            #"[{"containerID": 0, "hostID": 1, "size": 1}]"#, #"[{"containerID": 0, "hostID": 1, "size": 1}]"#))
        #expect(Self.error(spec, bundle) == "mounts[0].options: idmap=uids=0-1-1 gives ranges that uidMappings and gidMappings give too: keep one of them")
    }

    @Test("only bind mounts are idmapped", arguments: [
        (["idmap=uids=0-1-1;gids=0-1-1"], "", "mounts[0].options"),
        ([String](), maps(#"[{"containerID": 0, "hostID": 1, "size": 1}]"#, #"[{"containerID": 0, "hostID": 1, "size": 1}]"#), "mounts[0].uidMappings"),
    ])
    func bindOnly(_ options: [String], _ extra: String, _ field: String) throws {
        let (bundle, spec) = try Self.bound(options, extra: extra, type: "tmpfs")
        #expect(Self.error(spec, bundle) == "\(field): idmapped mounts apply only to bind mounts (bind or rbind in options), as in runc")
    }

    @Test("unprivileged: the init builds it, with the host ids translated into the container's")
    func unprivileged() throws {
        let container = [IDMapping(containerID: 0, hostID: 1000, size: 1), IDMapping(containerID: 1, hostID: 200_000, size: 65536)]
        var (bundle, spec) = try Self.bound(["bind", "idmap=uids=0-200999-1#5-1000-1;gids=0-200009-3"])
        Self.withUserNamespace(&spec, container)
        let identity = Identities.unprivileged(path: "/nonexistent", newuidmap: "/bin/true", newgidmap: "/bin/true")
        let idmap = try #require(try Self.mapping(spec, bundle, as: identity))
        #expect(idmap.builder == .containerInit)
        #expect(idmap.uids == [IDMapping(containerID: 0, hostID: 1000, size: 1), IDMapping(containerID: 5, hostID: 0, size: 1)])
        #expect(idmap.gids == [IDMapping(containerID: 0, hostID: 10, size: 3)])

        let (b2, s2base) = try Self.bound(["bind", "idmap=uids=0-300000-1;gids=0-1000-1"])
        var s2 = s2base
        Self.withUserNamespace(&s2, container)
        #expect(Self.error(s2, b2, as: identity) == "mounts[0].options: host ids 300000 are not mapped in the container's user namespace "
            + "(linux.uidMappings): a rootless idmapped mount can use only ids the container has")
    }

    @Test("unprivileged, bare idmap: the container's own map, which inside the container is the identity")
    func unprivilegedBare() throws {
        let (bundle, spec) = try Self.bound(["bind", "idmap"])
        let idmap = try #require(try Self.mapping(spec, bundle, as: Identities.unprivileged))
        #expect(idmap.builder == .containerInit)
        #expect(idmap.uids == [IDMapping(containerID: 0, hostID: 0, size: 1)])
        #expect(idmap.gids == [IDMapping(containerID: 0, hostID: 0, size: 1)])
    }

    @Test("root in a user namespace can map only ids that namespace has")
    func rootInUserNamespace() throws {
        let own = IDMaps(uids: [IDMapping(containerID: 0, hostID: 1000, size: 1), IDMapping(containerID: 1, hostID: 200_000, size: 65536)],
                         gids: [IDMapping(containerID: 0, hostID: 1000, size: 1), IDMapping(containerID: 1, hostID: 200_000, size: 65536)])
        let identity = Identity(kind: .rootInUserNamespace, uid: 0, gid: 0, sessionUID: 1000, rootless: true, ownMappings: own)
        let (bundle, spec) = try Self.bound(["bind", "idmap=uids=0-5-10;gids=0-5-10"])
        let idmap = try #require(try Self.mapping(spec, bundle, as: identity))
        #expect(idmap.builder == .runtime)
        let (b2, s2) = try Self.bound(["bind", "idmap=uids=0-65530-10;gids=0-5-10"])
        #expect(Self.error(s2, b2, as: identity) == "mounts[0].options: host ids 65530-65539 do not exist in the user namespace rsrun runs in")
    }

    @Test("one mapping namespace serves mounts with the same ranges")
    func sameKey() throws {
        let a = MountIDMapping(uids: Self.subordinate, gids: Self.subordinate, recursive: false, builder: .runtime, uidField: "a", gidField: "a")
        var b = a
        b.recursive = true
        b.uidField = "b"
        #expect(a.mapsKey == b.mapsKey)
        b.gids = [IDMapping(containerID: 0, hostID: 1, size: 1)]
        #expect(a.mapsKey != b.mapsKey)
    }
}
