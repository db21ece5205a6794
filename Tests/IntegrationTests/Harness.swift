// The integration harness: finds the rsrun binary and the shared busybox rootfs, runs the
// binary as a subprocess (as root, as the unprivileged test user, as that user inside a
// user namespace made by `unshare -r`, or inside one made with its subordinate ranges through
// newuidmap, as podman does), with a timeout on every call.
//
// Environment:
//   RSRUN_BINARY       the binary to test (default: <package>/.build/release/rsrun, then debug)
//   RSRUN_TEST_ROOTFS  the shared busybox rootfs (default: /var/tmp/rsrun-test/rootfs)
//   RSRUN_TEST_USER    the unprivileged user, with subordinate ranges (default: rsrun-test)
//   RSRUN_TEST_USER_NOSUB  an unprivileged user without any (default: rsrun-nosub)
//   RSRUN_IT_BUDGET_SECONDS  after this long, remaining integration tests are cancelled (2400)
//
// contrib/test.sh sets all of this up.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every integration suite is nested in this one, so they run one after another: they share
/// the machine's 2 cores, /run/rsrun and the test user's runtime dir.
@Suite(.serialized, .enabled(if: Env.ready, Comment(rawValue: Env.notReadyReason)))
struct IntegrationTests {}

// MARK: - Modes

/// Who runs the rsrun binary.
enum Mode: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// root in the initial user namespace.
    case root
    /// The unprivileged test user: rsrun must go rootless on its own.
    case user
    /// The test user as uid 0 of a user namespace of its own that maps only itself (`unshare -r`).
    case userns
    /// The test user as uid 0 of a user namespace mapping its subordinate ranges, written by
    /// newuidmap/newgidmap (`unshare --map-root-user --map-auto`), as podman rootless runs.
    case usernsSubids = "userns-subids"

    var testDescription: String { rawValue }

    /// Why this mode cannot run here, or nil.
    var unavailableReason: String? {
        if let reason = Env.notReadyReasonOrNil { return reason }
        switch self {
        case .root:
            return nil
        case .user:
            return Env.userModeProblem
        case .userns:
            if let problem = Env.userModeProblem { return problem }
            if Env.unshare == nil { return "unshare (util-linux) is not installed" }
            return nil
        case .usernsSubids:
            if let problem = Mode.userns.unavailableReason { return problem }
            return Env.subidProblem
        }
    }
}

struct TestUser: Sendable {
    let name: String
    let uid: UInt32
    let gid: UInt32
    let home: String
    var runtimeDir: String { "/run/user/\(uid)" }
}

// MARK: - Environment

enum Env {
    static let standardPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Everything found once per test process.
    private struct Setup: Sendable {
        var sourceBinary: String?
        var binary: String?
        var base: String?
        var rootfs: String?
        var problems: [String] = []
    }

    private static let setup: Setup = makeSetup()

    static var ready: Bool { setup.problems.isEmpty }
    static var notReadyReasonOrNil: String? {
        setup.problems.isEmpty ? nil : setup.problems.joined(separator: "; ")
    }
    static var notReadyReason: String { notReadyReasonOrNil ?? "ready" }

    /// The binary as copied into a world-readable directory (so the test user can run it).
    static var binary: String { setup.binary ?? "/nonexistent/rsrun" }
    /// Scratch space of this test process, removed at exit.
    static var base: String { setup.base ?? "/nonexistent" }
    static var rootfs: String { setup.rootfs ?? "/nonexistent" }

    static let isRoot = geteuid() == 0
    static let setpriv = findTool("setpriv")
    static let unshare = findTool("unshare")
    static let nsenter = findTool("nsenter")
    static let envTool = findTool("env")

    static let testUser: TestUser? = user(named: environment("RSRUN_TEST_USER") ?? "rsrun-test")
    static let noSubidUser: TestUser? = user(named: environment("RSRUN_TEST_USER_NOSUB") ?? "rsrun-nosub")

    static func user(named name: String) -> TestUser? {
        guard let entry = getpwnam(name) else { return nil }
        return TestUser(
            name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid,
            home: String(cString: entry.pointee.pw_dir))
    }

    /// The test user's first range in /etc/subuid and /etc/subgid (contrib/setup-test-user.sh
    /// makes it 200000:65536 in both).
    static let subidRange: (start: UInt32, count: UInt32)? = {
        guard let user = testUser else { return nil }
        func first(_ file: String) -> (UInt32, UInt32)? {
            for line in (readText(file) ?? "").split(separator: "\n") {
                let f = line.split(separator: ":")
                if f.count == 3, f[0] == user.name || f[0] == "\(user.uid)", let a = UInt32(f[1]), let b = UInt32(f[2]) { return (a, b) }
            }
            return nil
        }
        guard let uids = first("/etc/subuid"), let gids = first("/etc/subgid"), uids == gids else { return nil }
        return (uids.0, uids.1)
    }()

    static let newuidmap = findTool("newuidmap")

    /// Why subordinate-range tests cannot run, or nil.
    static let subidProblem: String? = {
        guard newuidmap != nil, findTool("newgidmap") != nil else { return "newuidmap/newgidmap are not installed (package uidmap)" }
        guard subidRange != nil else {
            return "the test user has no identical ranges in /etc/subuid and /etc/subgid: run contrib/setup-test-user.sh"
        }
        return nil
    }()

    /// Why the two unprivileged modes cannot run, or nil.
    static let userModeProblem: String? = {
        guard isRoot else { return "the tests must run as root to switch to the test user" }
        let name = environment("RSRUN_TEST_USER") ?? "rsrun-test"
        guard let user = testUser else {
            return "test user \(name) does not exist: run contrib/setup-test-user.sh"
        }
        guard setpriv != nil else { return "setpriv (util-linux) is not installed" }
        guard envTool != nil else { return "env (coreutils) is not installed" }
        if let text = readText("/proc/sys/user/max_user_namespaces"),
            Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) == 0
        {
            return "user namespaces are disabled (user.max_user_namespaces = 0)"
        }
        if let text = readText("/proc/sys/kernel/unprivileged_userns_clone"),
            text.trimmingCharacters(in: .whitespacesAndNewlines) == "0"
        {
            return "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)"
        }
        if let text = readText("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"),
            text.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
        {
            return "AppArmor restricts unprivileged user namespaces"
        }
        if let blocked = firstUntraversable(Env.rootfs, for: user) {
            return "\(name) cannot reach the rootfs: \(blocked) is not world-searchable"
        }
        // What logind would have made; contrib/setup-test-user.sh makes it too.
        let runtimeDir = user.runtimeDir
        if !FileManager.default.fileExists(atPath: runtimeDir) {
            mkdir("/run/user", 0o755)
            if mkdir(runtimeDir, 0o700) != 0 {
                return "cannot create \(runtimeDir): \(String(cString: strerror(errno)))"
            }
            _ = chown(runtimeDir, user.uid, user.gid)
        }
        return nil
    }()

    static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    static func findTool(_ name: String) -> String? {
        for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
            let path = "\(dir)/\(name)"
            if access(path, X_OK) == 0 { return path }
        }
        return nil
    }

    /// The package root, from this file's place in Tests/IntegrationTests/.
    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    private static func makeSetup() -> Setup {
        var setup = Setup()
        // The binary.
        if let explicit = environment("RSRUN_BINARY") {
            if access(explicit, X_OK) == 0 {
                setup.sourceBinary = explicit
            } else {
                setup.problems.append("RSRUN_BINARY=\(explicit) is not an executable file")
            }
        } else {
            for candidate in [".build/release/rsrun", ".build/debug/rsrun"] {
                let path = "\(packageRoot)/\(candidate)"
                if access(path, X_OK) == 0 {
                    setup.sourceBinary = path
                    break
                }
            }
            if setup.sourceBinary == nil {
                setup.problems.append(
                    "no rsrun binary: set RSRUN_BINARY or build \(packageRoot)/.build/release/rsrun (contrib/build.sh)")
            }
        }
        // The rootfs.
        let rootfs = environment("RSRUN_TEST_ROOTFS") ?? "/var/tmp/rsrun-test/rootfs"
        if access("\(rootfs)/bin/busybox", X_OK) == 0 {
            setup.rootfs = rootfs
        } else {
            setup.problems.append(
                "no test rootfs at \(rootfs) (bin/busybox missing): run contrib/make-bundle.sh \((rootfs as NSString).deletingLastPathComponent) or set RSRUN_TEST_ROOTFS")
        }
        guard setup.problems.isEmpty, let source = setup.sourceBinary else { return setup }

        // Scratch space: /tmp/rsrun-it-<pid>, world-searchable, with a copy of the binary.
        removeStaleBases()
        let base = "/tmp/rsrun-it-\(getpid())"
        if FileManager.default.fileExists(atPath: base) { removeTree(base) }
        let oldMask = umask(0o022)
        defer { umask(oldMask) }
        for dir in [base, "\(base)/bin"] {
            if mkdir(dir, 0o755) != 0 {
                setup.problems.append("cannot create \(dir): \(String(cString: strerror(errno)))")
                return setup
            }
            chmod(dir, 0o755)
        }
        mkdir("\(base)/io", 0o700)
        let copy = "\(base)/bin/rsrun"
        do {
            try FileManager.default.copyItem(atPath: source, toPath: copy)
            chmod(copy, 0o755)
        } catch {
            setup.problems.append("cannot copy \(source) to \(copy): \(error)")
            return setup
        }
        setup.base = base
        setup.binary = copy
        atexit { Env.removeBase() }
        return setup
    }

    private static func removeBase() {
        guard let base = setup.base else { return }
        removeTree(base)
    }

    /// Removes the scratch dirs of earlier test processes that are gone.
    private static func removeStaleBases() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/tmp") else { return }
        for name in names where name.hasPrefix("rsrun-it-") {
            guard let pid = Int32(name.dropFirst("rsrun-it-".count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { removeTree("/tmp/\(name)") }
        }
    }

    /// The first directory on the way to `path` that `user` cannot traverse, or nil.
    private static func firstUntraversable(_ path: String, for user: TestUser) -> String? {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/\(component)"
            var info = stat()
            guard stat(current, &info) == 0 else { return current }
            let mode = info.st_mode
            let ok =
                (mode & 0o001) != 0 || (info.st_uid == user.uid && (mode & 0o100) != 0)
                || (info.st_gid == user.gid && (mode & 0o010) != 0)
            if !ok { return current }
        }
        return nil
    }
}

// MARK: - Files and processes

/// Reads a whole file, procfs files included (they report size 0).
func readBytes(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if n == 0 { break }
        result.append(contentsOf: buffer[0..<n])
    }
    return result
}

func readText(_ path: String) -> String? {
    readBytes(path).map { String(decoding: $0, as: UTF8.self) }
}

func fileExists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
}

/// `rm -rf --one-file-system`: never descends into a mount that a buggy runtime may have
/// leaked, and never follows symlinks.
func removeTree(_ path: String) {
    var top = stat()
    guard lstat(path, &top) == 0 else { return }
    // Bind mounts keep st_dev, so the mount table is asked too.
    let mounts = Set(
        (readText("/proc/self/mountinfo") ?? "").split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            return fields.count > 4 ? String(fields[4]) : nil
        }.filter { $0.hasPrefix(path + "/") })
    removeTree(path, device: top.st_dev, mounts: mounts)
}

private func removeTree(_ path: String, device: dev_t, mounts: Set<String>) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    guard (info.st_mode & S_IFMT) == S_IFDIR else {
        unlink(path)
        return
    }
    // A mount point: leave it (and what it holds) alone.
    guard info.st_dev == device, !mounts.contains(path) else { return }
    if let names = try? FileManager.default.contentsOfDirectory(atPath: path) {
        for name in names { removeTree("\(path)/\(name)", device: device, mounts: mounts) }
    }
    rmdir(path)
}

struct HostProcess: Sendable {
    let pid: Int32
    let cmdline: String
}

/// Live processes (zombies excluded) whose command line or environment contains `needle`.
/// Needles shorter than 12 bytes find nothing: they would match unrelated processes.
func processesMentioning(_ needle: String) -> [HostProcess] {
    guard needle.utf8.count >= 12, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc")
    else { return [] }
    let me = getpid()
    let needleBytes = Array(needle.utf8)
    var found: [HostProcess] = []
    for entry in entries {
        guard let pid = Int32(entry), pid != me else { continue }
        guard let cmdline = readBytes("/proc/\(pid)/cmdline"), !cmdline.isEmpty else { continue }
        if let stat = readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") {
            let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
            if state == "Z" || state == "X" { continue }
        }
        let environ = readBytes("/proc/\(pid)/environ") ?? []
        if contains(cmdline, needleBytes) || contains(environ, needleBytes) {
            let text = String(decoding: cmdline.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            found.append(HostProcess(pid: pid, cmdline: text))
        }
    }
    return found
}

private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    if needle.isEmpty { return true }
    let first = needle[0]
    var i = 0
    let last = haystack.count - needle.count
    while i <= last {
        if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
        i += 1
    }
    return false
}

/// True while `pid` exists and is not a zombie.
func processAlive(_ pid: Int) -> Bool {
    guard pid > 0, let stat = readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else {
        return false
    }
    let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
    return state != "Z" && state != "X"
}

/// Polls `condition` every 50 ms until it holds or `timeout` seconds pass.
@discardableResult
func poll(timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if condition() { return true }
        if Date() >= deadline { return false }
        usleep(50_000)
    }
}
