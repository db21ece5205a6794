// One test's view of rsrun: a sandbox directory, bundles in it, the binary run in a mode,
// state and process inspection, and cleanup of every container the test made.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What XDG_RUNTIME_DIR an unprivileged rsrun call sees.
enum XDG: Sendable, Equatable {
    /// /run/user/<uid> of the mode's user.
    case user
    case unset
    case value(String)
}

/// Which state root an rsrun call uses.
enum StateRoot: Sendable, Equatable {
    /// `--root <sandbox>/state`, private to the test (the default for tests).
    case sandbox
    /// `--root PATH`.
    case explicit(String)
    /// No `--root`: rsrun's own default for the caller.
    case builtIn
}

/// The time budget of the whole integration run (so a binary that hangs everywhere still
/// leaves CI time to report).
enum Budget {
    static let seconds: Double = Double(Env.environment("RSRUN_IT_BUDGET_SECONDS") ?? "") ?? 2400
    private static let start = Date()
    static var exhausted: Bool {
        _ = start
        return Date().timeIntervalSince(start) > seconds
    }
    static func touch() { _ = start }
    static let firstReport = Counter()
}

final class Harness {
    let mode: Mode
    let name: String
    let sandbox: String
    var stateRoot: String { "\(sandbox)/state" }
    let user: TestUser?

    private var tracked: [(id: String, root: StateRoot)] = []
    private var background: [Subprocess] = []
    /// The user namespace every rsrun call of this test joins in the userns modes, as
    /// podman's commands all join its pause process's namespace: a container made by one
    /// call must be reachable (setns) from the next.
    private var namespaceHolder: Subprocess?
    private var bundleCount = 0

    private static let sandboxCounter = Counter()

    /// Sets up the sandbox for one test case, or cancels the case (reported as skipped, with
    /// the reason) when `mode` cannot run here or the run's time budget is spent.
    /// `user` replaces the test user in the unprivileged modes.
    init(_ mode: Mode, _ name: String, user: TestUser? = nil) throws {
        try Harness.admit(mode)
        self.mode = mode
        self.name = name
        self.user = mode == .root ? nil : (user ?? Env.testUser)
        let n = Harness.sandboxCounter.take()
        sandbox = "\(Env.base)/\(n)-\(mode)-\(name)"
        try makeDirectory(sandbox, mode: 0o755)
    }

    /// Cancels the current test case with `reason`. The console reporter of swift test does
    /// not show cancelled test cases, so the reason also goes to stderr.
    private static func admit(_ mode: Mode) throws {
        var reason: String?
        if let why = mode.unavailableReason {
            reason = "\(mode) mode unavailable: \(why)"
        } else {
            Budget.touch()
            if Budget.exhausted {
                reason = "the integration run's time budget (\(Int(Budget.seconds)) s) is spent"
                // Running out of time is a failure, not a skip: say so once.
                if Budget.firstReport.take() == 1 {
                    Issue.record(
                        "the integration tests ran past their time budget of \(Int(Budget.seconds)) s (RSRUN_IT_BUDGET_SECONDS); the rest are cancelled"
                    )
                }
            }
        }
        guard let reason else { return }
        try skip(reason, mode: mode)
    }

    /// Cancels the current test case, saying why on stderr too (see `admit`).
    static func skip(_ reason: String, mode: Mode) throws {
        let name = Test.current.map { "\($0.name) [\(mode)]" } ?? "\(mode)"
        FileHandle.standardError.write(Data("➜ Test case \(name) skipped: \(reason)\n".utf8))
        try Test.cancel(Comment(rawValue: reason))
    }

    func skip(_ reason: String) throws { try Harness.skip(reason, mode: mode) }

    // MARK: ids and paths

    /// A fresh container id, remembered for cleanup: `it-<mode>-<label>-<pid>-<random>`.
    func newID(_ label: String, root: StateRoot = .sandbox) -> String {
        let id = "it-\(mode)-\(label)-\(getpid())-\(String(UInt16.random(in: 0...UInt16.max), radix: 16))"
        track(id, root: root)
        return id
    }

    /// Whether `id` came from `newID` in this test process: `it-…-<our pid>-<random>`.
    /// Nothing else is ever used to pick processes to kill.
    static func isOwnID(_ id: String) -> Bool {
        id.count >= 16 && id.contains("it-") && id.contains("-\(getpid())-")
    }

    func track(_ id: String, root: StateRoot = .sandbox) {
        tracked.append((id, root))
    }

    /// Where rsrun keeps state by default for this mode's caller.
    var builtInStateRoot: String {
        switch mode {
        case .root: return "/run/rsrun"
        case .user, .userns, .usernsSubids: return "\(user!.runtimeDir)/rsrun"
        }
    }

    func stateRootPath(_ root: StateRoot) -> String {
        switch root {
        case .sandbox: return stateRoot
        case .explicit(let path): return path
        case .builtIn: return builtInStateRoot
        }
    }

    func stateDir(_ id: String, root: StateRoot = .sandbox) -> String {
        "\(stateRootPath(root))/\(id)"
    }

    /// Makes a directory owned by the mode's user.
    func makeDirectory(_ path: String, mode permissions: mode_t = 0o755) throws {
        if mkdir(path, permissions) != 0 && errno != EEXIST {
            throw HarnessError("mkdir \(path): \(String(cString: strerror(errno)))")
        }
        chmod(path, permissions)
        try giveToUser(path)
    }

    func giveToUser(_ path: String) throws {
        guard let user else { return }
        if lchown(path, user.uid, user.gid) != 0 {
            throw HarnessError("chown \(path): \(String(cString: strerror(errno)))")
        }
    }

    // MARK: bundles

    /// The default config for this mode running `args`.
    func config(_ args: [String] = ["sh"]) -> Config {
        Config(mode: mode, rootfs: Env.rootfs, args: args)
    }

    /// A new bundle directory holding `config` as config.json.
    func bundle(_ config: Config) throws -> String {
        try bundle(text: config.text)
    }

    /// A new bundle directory whose config.json is `text` verbatim (nil: no config.json).
    func bundle(text: String?) throws -> String {
        bundleCount += 1
        let dir = "\(sandbox)/bundle-\(bundleCount)"
        try makeDirectory(dir)
        if let text {
            let file = "\(dir)/config.json"
            guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8)) else {
                throw HarnessError("cannot write \(file)")
            }
            chmod(file, 0o644)
            try giveToUser(file)
        }
        return dir
    }

    // MARK: running rsrun

    /// argv and environment that run the binary with `args` in this mode.
    /// `xdg`: XDG_RUNTIME_DIR for the user (false: unset; a string: that value). `path`: PATH
    /// for rsrun itself. `extraEnv`: more NAME=value pairs for rsrun.
    func command(_ args: [String], xdg: XDG = .user, path: String = Env.standardPath, extraEnv: [String] = [])
        -> (argv: [String], env: [String])
    {
        switch mode {
        case .root:
            return ([Env.binary] + args, ["PATH=\(path)", "HOME=/root"] + extraEnv)
        case .user, .userns, .usernsSubids:
            let user = user!
            var argv = [
                Env.setpriv!, "--reuid=\(user.uid)", "--regid=\(user.gid)", "--init-groups",
                Env.envTool!, "-i", "PATH=\(path)", "HOME=\(user.home)",
                "USER=\(user.name)", "LOGNAME=\(user.name)",
            ]
            switch xdg {
            case .user: argv.append("XDG_RUNTIME_DIR=\(user.runtimeDir)")
            case .unset: break
            case .value(let value): argv.append("XDG_RUNTIME_DIR=\(value)")
            }
            argv += extraEnv
            // Tools are found through the PATH of env -i above, so they are named by full path.
            if mode != .user {
                if let holder = userNamespaceHolder() {
                    // Our kuid is uid 0 of that namespace, so preserving it keeps us root there.
                    argv += [Env.nsenter!, "--user", "--preserve-credentials", "--target", "\(holder)"]
                } else {
                    argv += unshareArgs
                }
            }
            return (argv + [Env.binary] + args, ["PATH=\(Env.standardPath)"])
        }
    }

    /// How the userns modes make their namespace.
    var unshareArgs: [String] {
        mode == .usernsSubids ? [Env.unshare!, "--map-root-user", "--map-auto"] : [Env.unshare!, "--map-root-user"]
    }

    /// The pid of this test's user namespace holder (a `sleep` run by unshare as the test
    /// user), started on first use; nil if it cannot be started (each call then unshares).
    func userNamespaceHolder() -> Int32? {
        if let holder = namespaceHolder { return holder.pid }
        guard Env.nsenter != nil, let user else { return nil }
        let argv = [Env.setpriv!, "--reuid=\(user.uid)", "--regid=\(user.gid)", "--init-groups",
                    Env.envTool!, "-i", "PATH=\(Env.standardPath)"] + unshareArgs + ["sleep", "100000"]
        guard let holder = Subprocess.start(argv, env: ["PATH=\(Env.standardPath)"], timeout: 3600) else { return nil }
        // Ready once unshare has written the maps and exec'd sleep in place of itself.
        let ready = poll(timeout: 10) {
            (readText("/proc/\(holder.pid)/comm") ?? "") == "sleep\n" && !(readText("/proc/\(holder.pid)/uid_map") ?? "").isEmpty
        }
        guard ready else {
            holder.killAndWait()
            return nil
        }
        namespaceHolder = holder
        return holder.pid
    }

    /// Global flags for `root`, then `args` (verb and all).
    func fullArgs(_ args: [String], root: StateRoot) -> [String] {
        switch root {
        case .builtIn: return args
        default: return ["--root", stateRootPath(root)] + args
        }
    }

    /// Runs rsrun and waits (at most `timeout` seconds).
    @discardableResult
    func rsrun(_ args: [String], root: StateRoot = .sandbox, xdg: XDG = .user, path: String = Env.standardPath,
               extraEnv: [String] = [], timeout: Double = 30) -> ProcResult {
        let (argv, env) = command(fullArgs(args, root: root), xdg: xdg, path: path, extraEnv: extraEnv)
        return Subprocess.run(argv, env: env, timeout: TimeoutCounter.shared.effective(timeout))
    }

    @discardableResult
    func rsrun(_ args: String..., root: StateRoot = .sandbox, xdg: XDG = .user, timeout: Double = 30)
        -> ProcResult
    {
        rsrun(args, root: root, xdg: xdg, timeout: timeout)
    }

    /// Starts rsrun without waiting (a foreground `run` the test talks to meanwhile).
    func startRsrun(_ args: [String], root: StateRoot = .sandbox, timeout: Double = 30) -> Subprocess? {
        let (argv, env) = command(fullArgs(args, root: root))
        let process = Subprocess.start(argv, env: env, timeout: TimeoutCounter.shared.effective(timeout))
        if let process { background.append(process) }
        return process
    }

    // MARK: state

    /// `rsrun state ID` parsed, or nil (with the result, to explain why).
    func state(_ id: String, root: StateRoot = .sandbox) -> (json: [String: Any]?, result: ProcResult) {
        let result = rsrun(["state", id], root: root, timeout: 15)
        guard result.ok, let data = result.stdout.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return (nil, result) }
        return (object, result)
    }

    func status(_ id: String, root: StateRoot = .sandbox) -> String? {
        state(id, root: root).json?["status"] as? String
    }

    /// Polls `state` until the status is `wanted`; returns the last status seen.
    @discardableResult
    func waitForStatus(_ id: String, _ wanted: String, root: StateRoot = .sandbox, timeout: Double = 10) -> String? {
        var last: String?
        poll(timeout: timeout) {
            last = status(id, root: root)
            return last == wanted || TimeoutCounter.shared.value >= 5 && last == nil
        }
        return last
    }

    /// Live processes mentioning `id` in their command line or environment.
    func processes(mentioning id: String) -> [HostProcess] {
        processesMentioning(id)
    }

    /// Waits (up to `timeout`) for every process mentioning `id` to go; returns those left.
    func leftoverProcesses(_ id: String, timeout: Double = 5) -> [HostProcess] {
        var left: [HostProcess] = []
        poll(timeout: timeout) {
            left = processesMentioning(id)
            return left.isEmpty
        }
        return left
    }

    // MARK: cleanup

    /// Force-deletes every container the test made, kills what is left of them, removes
    /// their state and the sandbox. Call it in a `defer`.
    func cleanup() {
        for (id, root) in tracked {
            let statePath = stateDir(id, root: root)
            if fileExists(statePath) || !processesMentioning(id).isEmpty {
                rsrun(["delete", "--force", id], root: root, timeout: 15)
            }
        }
        for process in background { process.killAndWait(grace: 5) }
        namespaceHolder?.killAndWait()
        for (id, root) in tracked {
            // Only ids this test process made up are specific enough to kill by.
            if Harness.isOwnID(id) {
                for process in processesMentioning(id) { kill(process.pid, SIGKILL) }
            }
            let statePath = stateDir(id, root: root)
            if id.count < 256 && fileExists(statePath) { removeTree(statePath) }
            if Harness.isOwnID(id) {
                for cgroup in Cgroup.candidates(id) where fileExists(cgroup) { rmdir(cgroup) }
            }
        }
        removeTree(sandbox)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    func take() -> Int { lock.withLock { next += 1; return next } }
}

// MARK: - config.json

/// A config.json as a JSON object, easy to change (and to break) field by field.
struct Config {
    var json: [String: Any]

    /// A runc-style default: busybox `args`, the shared read-only rootfs, the usual mounts,
    /// pid/network/ipc/uts/mount namespaces, masked and read-only paths. For the
    /// unprivileged modes there is no user namespace (rsrun adds one itself), no cgroup
    /// resources, and devpts has no gid=5 (a single mapped id has no group 5).
    init(mode: Mode, rootfs: String, args: [String]) {
        let rootless = mode != .root
        var devpts: [String] = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]
        if !rootless { devpts.append("gid=5") }
        let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        var linux: [String: Any] = [
            "namespaces": ["pid", "network", "ipc", "uts", "mount"].map { ["type": $0] },
            "maskedPaths": [
                "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                "/sys/firmware",
            ],
            "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
        ]
        if !rootless {
            linux["resources"] = ["devices": [["allow": false, "access": "rwm"]]]
        }
        json = [
            "ociVersion": "1.0.2",
            "process": [
                "terminal": false,
                "user": ["uid": 0, "gid": 0],
                "args": args,
                "env": ["PATH=\(Env.standardPath)", "TERM=xterm"],
                "cwd": "/",
                "capabilities": ["bounding": caps, "effective": caps, "permitted": caps],
                "rlimits": [["type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024]],
                "noNewPrivileges": true,
            ] as [String: Any],
            "root": ["path": rootfs, "readonly": true] as [String: Any],
            "hostname": "rsrun-it",
            "mounts": [
                ["destination": "/proc", "type": "proc", "source": "proc"],
                [
                    "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                    "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
                ],
                ["destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": devpts],
                [
                    "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
                    "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
                ],
                [
                    "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
                    "options": ["nosuid", "noexec", "nodev"],
                ],
                [
                    "destination": "/sys", "type": "sysfs", "source": "sysfs",
                    "options": ["nosuid", "noexec", "nodev", "ro"],
                ],
            ] as [[String: Any]],
            "linux": linux,
        ]
    }

    var args: [String] {
        get { value("process.args") as? [String] ?? [] }
        set { set("process.args", newValue) }
    }

    /// Adds an explicit user namespace mapping container 0 to host `uid`/`gid` (size 1).
    mutating func addUserNamespace(uid: UInt32, gid: UInt32) {
        var namespaces = value("linux.namespaces") as? [[String: Any]] ?? []
        namespaces.append(["type": "user"])
        set("linux.namespaces", namespaces)
        set("linux.uidMappings", [["containerID": 0, "hostID": Int(uid), "size": 1]])
        set("linux.gidMappings", [["containerID": 0, "hostID": Int(gid), "size": 1]])
        // Only one group exists in such a container.
        if var mounts = value("mounts") as? [[String: Any]] {
            for i in mounts.indices {
                if let options = mounts[i]["options"] as? [String] {
                    mounts[i]["options"] = options.filter { !$0.hasPrefix("gid=") }
                }
            }
            set("mounts", mounts)
        }
    }

    /// Drops a namespace type from `linux.namespaces`: the container shares ours.
    mutating func removeNamespace(_ type: String) {
        let namespaces = value("linux.namespaces") as? [[String: Any]] ?? []
        set("linux.namespaces", namespaces.filter { $0["type"] as? String != type })
    }

    /// The value at a dotted path (`linux.resources.memory.limit`), or nil.
    func value(_ path: String) -> Any? {
        var current: Any? = json
        for key in path.split(separator: ".") {
            guard let object = current as? [String: Any] else { return nil }
            current = object[String(key)]
        }
        return current
    }

    /// Sets the value at a dotted path, making intermediate objects as needed.
    mutating func set(_ path: String, _ value: Any) {
        let keys = path.split(separator: ".").map(String.init)
        json = Config.setting(json, keys[...], value)
    }

    /// Removes the value at a dotted path.
    mutating func remove(_ path: String) {
        let keys = path.split(separator: ".").map(String.init)
        json = Config.setting(json, keys[...], nil)
    }

    private static func setting(_ object: [String: Any], _ keys: ArraySlice<String>, _ value: Any?)
        -> [String: Any]
    {
        var object = object
        guard let key = keys.first else { return object }
        if keys.count == 1 {
            object[key] = value
        } else {
            let child = object[key] as? [String: Any] ?? [:]
            object[key] = setting(child, keys.dropFirst(), value)
        }
        return object
    }

    var text: String {
        let data = try! JSONSerialization.data(
            withJSONObject: json, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

// MARK: - Assertions

/// Checks the shape of `rsrun state` output.
func expectValidState(
    _ state: [String: Any], id: String, bundle: String, status expected: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let allowed: Set<String> = ["creating", "created", "running", "stopped"]
    #expect((state["ociVersion"] as? String).map { !$0.isEmpty } == true, "ociVersion: \(state)", sourceLocation: sourceLocation)
    #expect(state["id"] as? String == id, "id: \(state)", sourceLocation: sourceLocation)
    let status = state["status"] as? String
    #expect(status.map { allowed.contains($0) } == true, "status: \(state)", sourceLocation: sourceLocation)
    if let expected {
        #expect(status == expected, "status: \(state)", sourceLocation: sourceLocation)
    }
    let pid = (state["pid"] as? NSNumber)?.intValue
    if status == "created" || status == "running" {
        #expect((pid ?? 0) > 0, "pid of a \(status ?? "") container: \(state)", sourceLocation: sourceLocation)
    } else if status == "stopped" {
        #expect(pid == nil || pid == 0, "pid of a stopped container: \(state)", sourceLocation: sourceLocation)
    }
    let realBundle = realpath(bundle, nil).map { pointer in
        defer { free(pointer) }
        return String(cString: pointer)
    } ?? bundle
    let reportedBundle = state["bundle"] as? String
    #expect(reportedBundle?.hasPrefix("/") == true, "bundle: \(state)", sourceLocation: sourceLocation)
    #expect(
        reportedBundle == bundle || reportedBundle == realBundle, "bundle is \(reportedBundle ?? "nil"), not \(bundle)",
        sourceLocation: sourceLocation)
    if let annotations = state["annotations"] {
        #expect(annotations is [String: Any], "annotations: \(state)", sourceLocation: sourceLocation)
    }
    if let rootfs = state["rootfs"] {
        #expect((rootfs as? String)?.hasPrefix("/") == true, "rootfs: \(state)", sourceLocation: sourceLocation)
    }
    let created = state["created"] as? String
    #expect(created.map(isRFC3339) == true, "created: \(state)", sourceLocation: sourceLocation)
    #expect(state["owner"] is String, "owner: \(state)", sourceLocation: sourceLocation)
}

/// `2024-05-01T10:20:30Z`, `2024-05-01T10:20:30.123456789+02:00`, ...
func isRFC3339(_ text: String) -> Bool {
    let chars = Array(text.utf8)
    func digits(_ range: Range<Int>) -> Bool {
        range.upperBound <= chars.count && chars[range].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
    func char(_ i: Int, _ c: Character) -> Bool { i < chars.count && chars[i] == c.asciiValue! }
    guard digits(0..<4), char(4, "-"), digits(5..<7), char(7, "-"), digits(8..<10),
        char(10, "T") || char(10, "t") || char(10, " "), digits(11..<13), char(13, ":"), digits(14..<16),
        char(16, ":"), digits(17..<19)
    else { return false }
    var i = 19
    if char(i, ".") {
        i += 1
        let start = i
        while digits(i..<(i + 1)) { i += 1 }
        if i == start { return false }
    }
    if char(i, "Z") || char(i, "z") { return i + 1 == chars.count }
    guard char(i, "+") || char(i, "-") else { return false }
    return digits((i + 1)..<(i + 3)) && char(i + 3, ":") && digits((i + 4)..<(i + 6)) && i + 6 == chars.count
}

/// Checks the error contract: a non-zero exit and exactly one non-empty stderr line that
/// starts with `rsrun: `.
func expectOneLineError(_ result: ProcResult, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!result.timedOut, "\(result)", sourceLocation: sourceLocation)
    #expect(result.status != 0, "expected a failure: \(result)", sourceLocation: sourceLocation)
    let lines = result.stderrLines
    #expect(lines.count == 1, "stderr must be exactly one line: \(result)", sourceLocation: sourceLocation)
    #expect(
        lines.first.map { $0.hasPrefix("rsrun: ") && $0.count > "rsrun: ".count } == true,
        "stderr must start with 'rsrun: ': \(result)", sourceLocation: sourceLocation)
}

/// Where the cgroup v2 hierarchy is on this host, and where a container's default cgroup goes.
enum Cgroup {
    static let mountPoint: String? = {
        for dir in ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"] where fileExists(dir + "/cgroup.procs") && fileExists(dir + "/cgroup.subtree_control") {
            return dir
        }
        return nil
    }()

    /// The default cgroup of container `id` (rsrun run from the root cgroup, as the tests are).
    static func candidates(_ id: String) -> [String] {
        mountPoint.map { [$0 + "/" + id] } ?? []
    }

    static let warningMarker = "warning: running without a cgroup"
}

extension Harness {
    /// stderr without rsrun's one-line warning that a rootless container runs without a cgroup.
    func withoutCgroupWarning(_ stderr: String) -> String {
        stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains(Cgroup.warningMarker) }
            .joined(separator: "\n")
    }
}

/// After a failed verb: no state dir for `id`, no process mentioning it, no mount of the
/// sandbox or the rootfs on the host.
func expectNothingLeft(_ h: Harness, id: String?, root: StateRoot = .sandbox, sourceLocation: SourceLocation = #_sourceLocation) {
    if let id {
        if id.utf8.count < 256 {
            #expect(!fileExists(h.stateDir(id, root: root)), "state dir \(h.stateDir(id, root: root)) left behind", sourceLocation: sourceLocation)
        }
        let left = h.leftoverProcesses(id, timeout: 2)
        #expect(left.isEmpty, "processes left: \(left.map { "\($0.pid) \($0.cmdline)" })", sourceLocation: sourceLocation)
        for cgroup in Cgroup.candidates(id) {
            #expect(!fileExists(cgroup), "cgroup \(cgroup) left behind", sourceLocation: sourceLocation)
        }
    }
    // Container mounts live in the container's own mount namespace; none may show up here.
    let mounts = (readText("/proc/self/mountinfo") ?? "").split(separator: "\n").filter {
        $0.contains(h.sandbox) || $0.contains(Env.rootfs)
    }
    #expect(mounts.isEmpty, "mounts left on the host: \(mounts)", sourceLocation: sourceLocation)
}

/// True when `text` mentions `keyword` (case-insensitively; a keyword of up to 3 letters
/// must stand as a word, so "id" does not match "invalid").
func mentions(_ text: String, _ keyword: String) -> Bool {
    let haystack = text.lowercased()
    let needle = keyword.lowercased()
    guard needle.count <= 3, needle.allSatisfy(\.isLetter) else { return haystack.contains(needle) }
    var searchStart = haystack.startIndex
    while let range = haystack.range(of: needle, range: searchStart..<haystack.endIndex) {
        let before = range.lowerBound == haystack.startIndex ? nil : haystack[haystack.index(before: range.lowerBound)]
        let after = range.upperBound == haystack.endIndex ? nil : haystack[range.upperBound]
        let isWordChar: (Character?) -> Bool = { $0.map { $0.isLetter || $0.isNumber || $0 == "_" } ?? false }
        if !isWordChar(before) && !isWordChar(after) { return true }
        searchStart = range.upperBound
    }
    return false
}
