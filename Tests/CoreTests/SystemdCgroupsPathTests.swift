@testable import Core
import Rootless
import Testing

@Suite("SystemdCgroupsPath: linux.cgroupsPath as slice:prefix:name")
struct SystemdCgroupsPathTests {
    static func parse(_ text: String?, rootless: Bool = false) throws -> SystemdCgroupsPath {
        try SystemdCgroupsPath.parse(text, id: "c1", rootless: rootless)
    }

    @Test("absent or empty: :rsrun:<id>, in system.slice, or user.slice when rootless")
    func defaults() throws {
        #expect(try Self.parse(nil) == SystemdCgroupsPath(slice: "system.slice", unit: "rsrun-c1.scope"))
        #expect(try Self.parse("") == SystemdCgroupsPath(slice: "system.slice", unit: "rsrun-c1.scope"))
        #expect(try Self.parse(nil, rootless: true) == SystemdCgroupsPath(slice: "user.slice", unit: "rsrun-c1.scope"))
        #expect(try Self.parse(":docker:abc", rootless: true) == SystemdCgroupsPath(slice: "user.slice", unit: "docker-abc.scope"))
    }

    @Test("slice:prefix:name as runc reads it")
    func explicit() throws {
        #expect(try Self.parse("system.slice:docker:abc") == SystemdCgroupsPath(slice: "system.slice", unit: "docker-abc.scope"))
        #expect(try Self.parse("machine-web.slice:rsrun:x") == SystemdCgroupsPath(slice: "machine-web.slice", unit: "rsrun-x.scope"))
        // The root slice, spelled "-".
        #expect(try Self.parse("-:rsrun:x") == SystemdCgroupsPath(slice: "-.slice", unit: "rsrun-x.scope"))
        // An empty prefix keeps its dash, as in runc and crun.
        #expect(try Self.parse("system.slice::x").unit == "-x.scope")
        // A name ending in .slice is the unit itself: the prefix is ignored.
        let slice = try Self.parse("kubepods.slice:cri:kubepods-pod1.slice")
        #expect(slice == SystemdCgroupsPath(slice: "kubepods.slice", unit: "kubepods-pod1.slice"))
        #expect(slice.isSlice)
        #expect(!(try Self.parse(nil)).isSlice)
    }

    @Test("anything but exactly three parts is refused, with the expected form in one line", arguments: [
        "/sys/fs/cgroup/foo", "a:b", "system.slice:a:b:c", "::::",
    ])
    func wrongShape(_ text: String) throws {
        do {
            _ = try Self.parse(text)
            Issue.record("\(text) was accepted")
        } catch let error as RuntimeError {
            #expect(error.path == "linux.cgroupsPath")
            #expect(error.message.contains("expected slice:prefix:name"))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test("bad slices, empty names and characters systemd refuses", arguments: [
        "system:rsrun:x", ".slice:rsrun:x", "a/b.slice:rsrun:x", "a--b.slice:rsrun:x", "-a.slice:rsrun:x",
        "system.slice:rsrun:", "system.slice:rs/run:x", "system.slice:rsrun:a b", "system.slice:x:a--b.slice",
    ])
    func refused(_ text: String) throws {
        #expect(throws: RuntimeError.self) { try Self.parse(text) }
    }

    @Test("unit names longer than systemd's 255 bytes are refused")
    func tooLong() throws {
        _ = try Self.parse("system.slice:p:" + String(repeating: "n", count: 200))
        #expect(throws: RuntimeError.self) { try Self.parse("system.slice:p:" + String(repeating: "n", count: 250)) }
    }

    @Test("slice names expand to nested cgroups by their dashes")
    func expand() throws {
        #expect(try SystemdCgroupsPath.expandSlice("system.slice") == "/system.slice")
        #expect(try SystemdCgroupsPath.expandSlice("a-b.slice") == "/a.slice/a-b.slice")
        #expect(try SystemdCgroupsPath.expandSlice("a-b-c.slice") == "/a.slice/a-b.slice/a-b-c.slice")
        #expect(try SystemdCgroupsPath.expandSlice("-.slice") == "/")
        for bad in ["", ".slice", "a", "a.scope", "a/b.slice", "-a.slice", "a-.slice", "a--b.slice"] {
            #expect(throws: RuntimeError.self, "\(bad)") { try SystemdCgroupsPath.expandSlice(bad) }
        }
    }

    @Test("the unit's cgroup below its manager's root")
    func cgroup() throws {
        #expect(try Self.parse(nil).cgroup() == "/system.slice/rsrun-c1.scope")
        #expect(try Self.parse("a-b.slice:p:n").cgroup() == "/a.slice/a-b.slice/p-n.scope")
        #expect(try Self.parse("-:p:n").cgroup() == "/p-n.scope")
        #expect(try Self.parse("system.slice:p:x-y.slice").cgroup() == "/x.slice/x-y.slice")
    }
}
