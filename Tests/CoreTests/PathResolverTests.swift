import Glibc
@testable import Core
import Rootless
import Testing

@Suite("Path resolver")
final class PathResolverTests {
    let dir: TempDir
    let rootfs: String

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
    }

    func resolve(_ path: String) throws -> String { try PathResolver.resolve(rootfs: rootfs, path) }

    @Test("plain paths are joined under the rootfs", arguments: [
        ("/etc/passwd", "/etc/passwd"), ("etc/passwd", "/etc/passwd"), ("//etc//./passwd", "/etc/passwd"),
        ("/a/b", "/a/b"), ("/nope/x", "/nope/x"), ("/a/b/missing/deeper", "/a/b/missing/deeper"),
    ])
    func plain(_ path: String, _ expected: String) throws {
        #expect(try resolve(path) == rootfs + expected)
    }

    @Test("the root itself", arguments: ["", "/", ".", "/./", "/..", "../.."])
    func root(_ path: String) throws {
        #expect(try resolve(path) == rootfs)
    }

    @Test("an absolute link target restarts at the rootfs, not the host")
    func absoluteLink() throws {
        #expect(try resolve("/abs") == rootfs + "/etc")
        #expect(try resolve("/abs/passwd") == rootfs + "/etc/passwd")
        // A link to a host path that really exists still lands inside the rootfs.
        #expect(try resolve("/hostlink") == rootfs + dir.path)
        #expect(try resolve("/hostlink/rootfs/etc") == rootfs + dir.path + "/rootfs/etc")
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
        let error = #expect(throws: RuntimeError.self) { try resolve(path) }
        #expect(error?.errno == ELOOP)
        #expect(error?.path == path)
        #expect(error?.description == "\(path): too many levels of symbolic links: \(RuntimeError.errnoText(ELOOP))")
    }

    @Test("40 links in a chain resolve; 41 do not")
    func linkLimit() throws {
        // chainN/l0 -> l1 -> ... -> lN, with lN a directory.
        for (count, ok) in [(40, true), (41, false)] {
            let base = "rootfs/chain\(count)"
            dir.makeDir(base + "/l\(count)")
            for i in 0..<count { dir.makeLink("\(base)/l\(i)", to: "l\(i + 1)") }
            if ok {
                #expect(try resolve("/chain\(count)/l0") == rootfs + "/chain\(count)/l\(count)")
            } else {
                let error = #expect(throws: RuntimeError.self) { try resolve("/chain\(count)/l0") }
                #expect(error?.errno == ELOOP)
            }
        }
    }

    @Test("rootfs / is not doubled")
    func slashRoot() throws {
        #expect(PathResolver.join("/", []) == "/")
        #expect(PathResolver.join("/", ["a", "b"]) == "/a/b")
        #expect(PathResolver.join("/r", []) == "/r")
        #expect(PathResolver.join("/r", ["a"]) == "/r/a")
    }

    @Test("parent", arguments: [("/a/b", "/a"), ("/a", "/"), ("a", "."), ("a/b", "a"), ("/", "/")])
    func parent(_ path: String, _ expected: String) {
        #expect(PathResolver.parent(path) == expected)
    }
}
