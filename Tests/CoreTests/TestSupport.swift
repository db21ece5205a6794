import Glibc
@testable import Core
@testable import Rootless
import Testing

/// A scratch directory under /tmp, removed (recursively, symlinks not followed) on deinit.
final class TempDir {
    let path: String

    init(_ prefix: String = "rsrun-coretests") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw RuntimeError.system("mkdtemp", path: "/tmp") }
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    deinit { TempDir.removeTree(path) }

    func sub(_ relative: String) -> String { path + "/" + relative }

    @discardableResult
    func makeDir(_ relative: String) -> String {
        let full = sub(relative)
        precondition(FileIO.makeDirectories(full), "mkdir -p \(full)")
        return full
    }

    @discardableResult
    func makeFile(_ relative: String, _ content: String = "") -> String {
        let full = sub(relative)
        let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "create \(full)")
        FileIO.writeAll(fd: fd, Array(content.utf8))
        close(fd)
        return full
    }

    @discardableResult
    func makeLink(_ relative: String, to target: String) -> String {
        let full = sub(relative)
        precondition(symlink(target, full) == 0, "symlink \(full) -> \(target)")
        return full
    }

    static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in FileIO.list(path) ?? [] { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

/// Hand-built identities for the three kinds the runtime distinguishes.
enum Identities {
    static let root = Identity(kind: .root, uid: 0, gid: 0, sessionUID: 0, rootless: false, canSetGroups: true)
    static let unprivileged = Identity(kind: .unprivileged, uid: 1000, gid: 1000, sessionUID: 1000, rootless: true, canSetGroups: false)
    /// An unprivileged identity whose helper search uses `path`.
    static func unprivileged(path: String?, newuidmap: String? = nil, newgidmap: String? = nil) -> Identity {
        Identity(kind: .unprivileged, uid: 1000, gid: 1000, sessionUID: 1000, rootless: true, canSetGroups: false,
                 environment: ProcessEnvironment(path: path, newuidmap: newuidmap, newgidmap: newgidmap))
    }
    static let rootInUserNamespace = Identity(kind: .rootInUserNamespace, uid: 0, gid: 0, sessionUID: 1000, rootless: true, canSetGroups: true)

    static func of(_ kind: Identity.Kind) -> Identity {
        switch kind {
        case .root: root
        case .unprivileged: unprivileged
        case .rootInUserNamespace: rootInUserNamespace
        }
    }
}

/// Linux clone(2) flag values, written out so the tests check CShim's constants too.
enum CloneFlag {
    static let newTime: UInt64 = 0x0000_0080
    static let newNS: UInt64 = 0x0002_0000
    static let newCgroup: UInt64 = 0x0200_0000
    static let newUTS: UInt64 = 0x0400_0000
    static let newIPC: UInt64 = 0x0800_0000
    static let newUser: UInt64 = 0x1000_0000
    static let newPID: UInt64 = 0x2000_0000
    static let newNet: UInt64 = 0x4000_0000
}

/// mount(2) flag values from <linux/mount.h>, written out for the same reason.
enum MountFlag {
    static let rdonly: UInt = 1
    static let nosuid: UInt = 2
    static let nodev: UInt = 4
    static let noexec: UInt = 8
    static let synchronous: UInt = 16
    static let remount: UInt = 32
    static let mandlock: UInt = 64
    static let dirsync: UInt = 128
    static let noatime: UInt = 1024
    static let nodiratime: UInt = 2048
    static let bind: UInt = 4096
    static let rec: UInt = 16384
    static let silent: UInt = 32768
    static let unbindable: UInt = 1 << 17
    static let `private`: UInt = 1 << 18
    static let slave: UInt = 1 << 19
    static let shared: UInt = 1 << 20
    static let relatime: UInt = 1 << 21
    static let strictatime: UInt = 1 << 24
    static let lazytime: UInt = 1 << 25
}

/// A config.json assembled from parts; `parse()` runs it through `Spec.parse` like `create` does.
struct SpecBuilder {
    var rootPath: String
    var includeProcess = true
    var uid: UInt32 = 0
    var gid: UInt32 = 0
    var additionalGids: [UInt32] = []
    var terminal = false
    /// Raw `"key": value` members of `process`.
    var processExtra: [String] = []
    var env: [String] = ["PATH=/usr/bin:/bin"]
    var hostname: String?
    var domainname: String?
    /// Raw JSON objects.
    var mounts: [String] = []
    /// Type names, or raw JSON objects (anything starting with "{").
    var namespaces: [String] = ["mount"]
    var uidMappings: [IDMapping] = []
    var gidMappings: [IDMapping] = []
    /// Raw `"key": value` members of `linux`.
    var linuxExtra: [String] = []

    init(rootPath: String) { self.rootPath = rootPath }

    static func quote(_ s: String) -> String { JSONValue.string(s).serialized() }

    static func maps(_ m: [IDMapping]) -> String {
        "[" + m.map { "{\"containerID\": \($0.containerID), \"hostID\": \($0.hostID), \"size\": \($0.size)}" }
            .joined(separator: ", ") + "]"
    }

    var json: String {
        var top: [String] = ["\"ociVersion\": \"1.2.0\"", "\"root\": {\"path\": \(SpecBuilder.quote(rootPath))}"]
        if includeProcess {
            let gids = additionalGids.map(String.init).joined(separator: ", ")
            top.append("""
            "process": {"terminal": \(terminal), "user": {"uid": \(uid), "gid": \(gid), "additionalGids": [\(gids)]},
              "args": ["sh"], "env": [\(env.map(SpecBuilder.quote).joined(separator: ", "))], "cwd": "/"\(processExtra.map { ", " + $0 }.joined())}
            """)
        }
        if let hostname { top.append("\"hostname\": \(SpecBuilder.quote(hostname))") }
        if let domainname { top.append("\"domainname\": \(SpecBuilder.quote(domainname))") }
        top.append("\"mounts\": [\(mounts.joined(separator: ", "))]")
        var linux: [String] = [
            "\"namespaces\": [" + namespaces.map { $0.hasPrefix("{") ? $0 : "{\"type\": \(SpecBuilder.quote($0))}" }
                .joined(separator: ", ") + "]",
        ]
        if !uidMappings.isEmpty { linux.append("\"uidMappings\": \(SpecBuilder.maps(uidMappings))") }
        if !gidMappings.isEmpty { linux.append("\"gidMappings\": \(SpecBuilder.maps(gidMappings))") }
        linux += linuxExtra
        top.append("\"linux\": {\(linux.joined(separator: ", "))}")
        return "{" + top.joined(separator: ",\n") + "}"
    }

    func parse() throws -> Spec { try Spec.parse(Array(json.utf8)) }
}

/// A bundle directory with an empty `rootfs/`, for compiling plans.
final class TestBundle {
    let dir: TempDir
    var path: String { dir.path }
    var rootfs: String { dir.sub("rootfs") }

    init() throws {
        dir = try TempDir("rsrun-bundle")
        dir.makeDir("rootfs")
    }

    func spec() -> SpecBuilder { SpecBuilder(rootPath: rootfs) }

    func compile(_ builder: SpecBuilder, as identity: Identity, configure: (inout PlanCompiler) -> Void = { _ in }) throws -> ContainerPlan {
        var compiler = PlanCompiler(identity: identity, bundle: path, id: "c1")
        configure(&compiler)
        return try compiler.compile(builder.parse())
    }
}

func currentUID() -> UInt32 { UInt32(getuid()) }
func currentGID() -> UInt32 { UInt32(getgid()) }
