import CShim
import Glibc
@testable import Core
import Rootless
import Testing

@Suite("Container path")
struct ContainerPathTests {
    @Test("components drop empty and . parts, keep ..", arguments: [
        ("/etc/passwd", ["etc", "passwd"]), ("etc//./passwd/", ["etc", "passwd"]), ("/", []), ("", []), (".", []),
        ("/a/../b", ["a", "..", "b"]), ("../..", ["..", ".."]),
    ])
    func components(_ text: String, _ expected: [String]) {
        #expect(ContainerPath(text).components == expected)
    }

    @Test("the form openat2 gets, and the one errors show")
    func forms() {
        #expect(ContainerPath("/").relative == ".")
        #expect(ContainerPath("/etc/x").relative == "etc/x")
        #expect(ContainerPath("etc/x").description == "/etc/x")
        #expect(ContainerPath("/").description == "/")
        #expect(ContainerPath("/a/b/c").prefix(2) == ContainerPath("/a/b"))
        #expect(ContainerPath("/a/b/c").prefix(0).isRoot)
    }

    @Test("a link is replaced by its target", arguments: [
        // path, index of the link, target, result
        ("/etc/x", 0, "/", "/x"),
        ("/etc/x", 0, "../../../tmp/outside", "/../../../tmp/outside/x"),
        ("/a/b/c", 1, "d/e", "/a/d/e/c"),
        ("/a/b/c", 1, "/abs", "/abs/c"),
        ("/a/b", 1, "..", "/a/.."),
        ("/a/b", 1, "./", "/a"),
    ])
    func replacing(_ path: String, _ index: Int, _ target: String, _ expected: String) {
        #expect(ContainerPath(path).replacing(index, withLinkTo: target).description == expected)
    }

    @Test("a run that climbs back to where it began", arguments: [
        ("/x/../y", 0, 2), ("/x/y/../../z", 0, 4), ("/x/y/../z/../..", 0, 6), ("/x/y/..", 0, nil), ("/a/x/..", 1, 2),
        ("/../x", 0, nil), ("/x", 0, nil),
    ] as [(String, Int, Int?)])
    func returningRun(_ path: String, _ start: Int, _ expected: Int?) {
        #expect(ContainerPath(path).returningRun(from: start) == expected)
    }

    @Test("climbs", arguments: [("/a/../b", true), ("/a/..b", false), ("/dev/fuse", false), ("..", true)])
    func climbs(_ path: String, _ expected: Bool) {
        #expect(ContainerPath(path).climbs == expected)
    }
}

@Suite("Container root")
final class ContainerRootTests {
    let dir: TempDir
    let rootfs: String
    let root: ContainerRoot

    /// rootfs/
    ///   etc/passwd
    ///   a/b/
    ///   abs -> /etc              absolute: restarts at the rootfs
    ///   escape -> ../../../../etc
    ///   a/rel -> b               relative to a/
    ///   a/up -> ../etc
    ///   a/dotdot -> ..
    ///   a/deep -> ../a/../abs/   through another link
    ///   hostlink -> <a host dir that exists>
    ///   loop1 -> loop2, loop2 -> loop1, self -> self
    ///   dangling -> ../../../outside-<unique>    (missing inside and outside)
    ///   danglingabs -> /made/here
    ///   file
    init() throws {
        dir = try TempDir("rsrun-rootfs")
        rootfs = dir.makeDir("rootfs")
        dir.makeDir("rootfs/etc")
        dir.makeFile("rootfs/etc/passwd", "root:x:0:0::/:/bin/sh\n")
        dir.makeDir("rootfs/a/b")
        dir.makeLink("rootfs/abs", to: "/etc")
        dir.makeLink("rootfs/escape", to: "../../../../etc")
        dir.makeLink("rootfs/a/rel", to: "b")
        dir.makeLink("rootfs/a/up", to: "../etc")
        dir.makeLink("rootfs/a/dotdot", to: "..")
        dir.makeLink("rootfs/a/deep", to: "../a/../abs/")
        dir.makeLink("rootfs/hostlink", to: dir.path)
        dir.makeLink("rootfs/loop1", to: "loop2")
        dir.makeLink("rootfs/loop2", to: "/loop1")
        dir.makeLink("rootfs/self", to: "self")
        dir.makeLink("rootfs/dangling", to: "../../../" + Self.outsideName)
        dir.makeLink("rootfs/danglingabs", to: "/made/here")
        dir.makeFile("rootfs/file")
        root = try ContainerRoot(rootfs)
    }

    deinit { root.close() }

    static var outsideName: String { "rsrun-outside-\(getpid())" }
    var outsideName: String { Self.outsideName }

    /// The host path an fd names.
    func where_(_ fd: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }

    func resolve(_ path: String) throws -> String {
        let fd = root.open(ContainerPath(path))
        if fd < 0 { throw RuntimeError(path: path, "open", errno: cshim_errno()) }
        defer { close(fd) }
        return where_(fd)
    }

    func create(_ path: String, _ kind: ContainerRoot.Kind) throws -> String {
        let fd = try root.openCreating(ContainerPath(path), last: kind, field: "mounts[3].destination")
        defer { close(fd) }
        return where_(fd)
    }

    @Test("plain paths open under the rootfs", arguments: [
        ("/etc/passwd", "/etc/passwd"), ("etc/passwd", "/etc/passwd"), ("//etc//./passwd", "/etc/passwd"), ("/a/b", "/a/b"),
    ])
    func plain(_ path: String, _ expected: String) throws {
        #expect(try resolve(path) == rootfs + expected)
    }

    @Test("the root itself", arguments: ["", "/", ".", "/./", "/..", "../.."])
    func rootItself(_ path: String) throws {
        #expect(try resolve(path) == rootfs)
    }

    @Test("an absolute link target restarts at the rootfs, not the host")
    func absoluteLink() throws {
        #expect(try resolve("/abs") == rootfs + "/etc")
        #expect(try resolve("/abs/passwd") == rootfs + "/etc/passwd")
        // A link to a host path that really exists is not followed to the host.
        #expect(throws: RuntimeError.self) { try self.resolve("/hostlink") }
    }

    @Test(".. never climbs above the rootfs", arguments: [
        "/../../../etc", "/escape", "/a/../../../etc", "/a/b/../../../../etc", "/escape/../../etc",
    ])
    func noEscape(_ path: String) throws {
        #expect(try resolve(path) == rootfs + "/etc")
    }

    @Test("relative links resolve against the link's directory", arguments: [
        ("/a/rel", "/a/b"), ("/a/rel/../rel", "/a/b"), ("/a/up", "/etc"), ("/a/up/passwd", "/etc/passwd"),
        ("/a/dotdot", ""), ("/a/dotdot/etc", "/etc"), ("/a/dotdot/a/rel", "/a/b"), ("/a/deep", "/etc"),
        ("/a/deep/passwd", "/etc/passwd"),
    ])
    func relativeLinks(_ path: String, _ expected: String) throws {
        #expect(try resolve(path) == rootfs + expected)
    }

    @Test("symlink loops fail with ELOOP", arguments: ["/loop1", "/loop2/x", "/self", "/a/../self"])
    func loops(_ path: String) {
        #expect(root.open(ContainerPath(path)) < 0)
        #expect(cshim_errno() == ELOOP)
        let error = #expect(throws: RuntimeError.self) { try self.create(path + "/new", .directory) }
        #expect(error?.errno == ELOOP)
    }

    @Test("40 links in a chain resolve; 41 do not")
    func linkLimit() throws {
        for (count, ok) in [(40, true), (41, false)] {
            let base = "rootfs/chain\(count)"
            dir.makeDir(base + "/l\(count)")
            for i in 0..<count { dir.makeLink("\(base)/l\(i)", to: "l\(i + 1)") }
            if ok {
                #expect(try resolve("/chain\(count)/l0") == rootfs + "/chain\(count)/l\(count)")
            } else {
                #expect(root.open(ContainerPath("/chain\(count)/l0")) < 0 && cshim_errno() == ELOOP)
            }
        }
    }

    @Test("magic links are refused, even to the real root")
    func magicLinks() throws {
        let host = try ContainerRoot("/")
        defer { host.close() }
        #expect(host.open(ContainerPath("/proc/self/root")) < 0)
        #expect(cshim_errno() == ELOOP)
        #expect(host.open(ContainerPath("/proc/self/fd/0")) < 0)
        // /proc/self itself is an ordinary link.
        let fd = host.open(ContainerPath("/proc/self/status"))
        #expect(fd >= 0)
        close(fd)
    }

    @Test("missing directories are created on the way, the last one as asked")
    func createsMissing() throws {
        #expect(try create("/new/deeper/dir", .directory) == rootfs + "/new/deeper/dir")
        #expect(FileIO.isDirectory(rootfs + "/new/deeper/dir"))
        #expect(try create("/made/for/a/file", .file) == rootfs + "/made/for/a/file")
        var info = stat()
        #expect(lstat(rootfs + "/made/for/a/file", &info) == 0 && info.st_mode & S_IFMT == S_IFREG)
        // Existing ones are opened as they are.
        #expect(try create("/etc/passwd", .directory) == rootfs + "/etc/passwd")
        // A missing name followed by .. is not made only to be climbed out of; an existing
        // link followed by .. climbs from its target, as the kernel walks it.
        #expect(try create("/a/rel/x/../y", .directory) == rootfs + "/a/b/y")
        #expect(!FileIO.exists(rootfs + "/a/b/x"))
        #expect(try create("/a/up/../newdir", .directory) == rootfs + "/newdir")
    }

    @Test("a dangling link is followed inside the rootfs, and its target created there")
    func danglingLinks() throws {
        #expect(try create("/dangling/x", .file) == rootfs + "/" + outsideName + "/x")
        #expect(!FileIO.exists("/" + outsideName))
        #expect(!FileIO.exists(dir.path + "/" + outsideName))
        #expect(try create("/danglingabs", .directory) == rootfs + "/made/here")
        // .. in a destination stays inside too.
        #expect(try create("/a/../../../../x/../escaped", .directory) == rootfs + "/escaped")
        #expect(!FileIO.exists(rootfs + "/x"))
        #expect(try create("/escape/../../../made2", .file) == rootfs + "/made2")
    }

    @Test("a file on the way fails with one line naming the field")
    func notADirectory() {
        let error = #expect(throws: RuntimeError.self) { try self.create("/file/x", .directory) }
        #expect(error?.errno == ENOTDIR)
        #expect(error?.description == "mounts[3].destination: cannot resolve /file/x inside the rootfs: \(RuntimeError.errnoText(ENOTDIR))")
    }
}
