import CShim
import Glibc

/// User namespaces mapped ahead of time, for unprivileged callers with subordinate ranges.
///
/// newuidmap and newgidmap are setuid programs: running the pair costs about 1.3 ms, more than
/// the rest of `create` spends on its user namespace by a wide margin. So after a `create` has
/// run them itself, it starts one small background process per set of maps (forked, not
/// re-executed) that keeps up to `slots` namespaces with exactly those maps ready, each held by
/// a sleeping child. The next `create` with the same maps claims one with a rename, joins it with
/// setns and clone3s its init into it without CLONE_NEWUSER: each container still gets a user
/// namespace of its own, a child of the initial one, with the maps the helpers wrote.
///
/// Everything lives in `<state root>/@userns` ('@' cannot start a container id):
/// - `<key>.lock`: flocked by the running pool for these maps;
/// - `<key>.<slot>`: an advert, "pid starttime" then the maps, renamed away by its claimer.
public struct UserNamespacePool: Sendable, Equatable {
    public static let slots = 2
    public static let defaultIdleSeconds: Int32 = 120

    public let directory: String
    /// An unclaimed pool exits after this long.
    public let idleSeconds: Int32

    /// nil when `RSRUN_USERNS_POOL` turns the pool off.
    public init?(stateRoot: String, environment: ProcessEnvironment) {
        guard let idle = UserNamespacePool.idleSeconds(environment.userNamespacePool) else { return nil }
        directory = stateRoot + "/@userns"
        idleSeconds = idle
    }

    /// `off`, `0`, or anything that is not a positive number of seconds turns the pool off.
    static func idleSeconds(_ setting: String?) -> Int32? {
        guard let setting else { return defaultIdleSeconds }
        guard let seconds = Int32(setting), seconds > 0 else { return nil }
        return seconds
    }

    /// The maps as the pool records them: what a claimer compares before joining.
    static func mapsText(_ plan: IDMapPlan) -> String {
        plan.uids.map { "u \($0.text)\n" }.joined() + plan.gids.map { "g \($0.text)\n" }.joined()
    }

    /// A file name for one set of maps (FNV-1a of their text).
    static func key(_ plan: IDMapPlan) -> String {
        var hash = FNV1a()
        hash.mix(mapsText(plan))
        return hash.hex
    }

    func advertPath(_ plan: IDMapPlan, slot: Int) -> String { "\(directory)/\(UserNamespacePool.key(plan)).\(slot)" }
    func lockPath(_ plan: IDMapPlan) -> String { "\(directory)/\(UserNamespacePool.key(plan)).lock" }

    struct Advert: Equatable {
        var pid: Int32
        var startTime: UInt64
        var maps: String

        var bytes: [UInt8] { Array("\(pid) \(startTime)\n\(maps)".utf8) }

        init(pid: Int32, startTime: UInt64, maps: String) {
            self.pid = pid
            self.startTime = startTime
            self.maps = maps
        }

        init?(_ bytes: [UInt8]) {
            guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            let head = bytes[..<newline].split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
            guard head.count == 2, let pid = Int32(head[0]), pid > 0, let start = UInt64(head[1]) else { return nil }
            self.init(pid: pid, startTime: start, maps: String(decoding: bytes[(newline + 1)...], as: UTF8.self))
        }
    }

    /// Joins a ready namespace with exactly `plan`'s maps and returns the pid that held it, or
    /// nil (nothing joined) when none is ready. The rename makes each namespace one claimer's.
    public func claim(_ plan: IDMapPlan) -> Int32? {
        let maps = UserNamespacePool.mapsText(plan)
        for slot in 0..<UserNamespacePool.slots {
            let advert = advertPath(plan, slot: slot)
            let claimed = "\(advert).claimed-\(getpid())"
            guard rename(advert, claimed) == 0 else { continue }
            let bytes = FileIO.read(claimed, limit: 64 << 10)
            unlink(claimed)
            guard let bytes, let entry = Advert(bytes), entry.maps == maps else { continue }
            if join(entry) { return entry.pid }
        }
        return nil
    }

    /// The namespace is opened before the holder is checked, so a holder that died and whose
    /// pid was reused since cannot hand us someone else's namespace.
    func join(_ entry: Advert) -> Bool {
        let fd = open("/proc/\(entry.pid)/ns/user", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return ProcessProbe.isRunning(pid: entry.pid, startTime: entry.startTime)
            && cshim_setns(fd, Int32(CSHIM_CLONE_NEWUSER)) == 0
    }

    /// Ends a claimed holder; its exit tells the pool to make the next namespace. Called once
    /// the claimer is done, so that the pool's clone and helpers do not compete with it.
    public func release(holder: Int32) {
        kill(holder, SIGKILL)
    }

    /// Starts a pool for `plan`'s maps unless one runs. Called after the helpers have written
    /// the same maps for a container, so they are known to work. Failures only mean no pool.
    public func start(_ plan: IDMapPlan, helpers: IDMapHelpers) {
        guard FileIO.makeDirectories(directory, mode: 0o700) else { return }
        let lock = open(lockPath(plan), O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { return }
        defer { close(lock) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else { return }
        // A plain fork with no exit signal: `run` waits on its container and must not hear of it.
        var args = cshim_clone_args()
        let pid = cshim_clone3(&args)
        if pid == 0 {
            UserNamespacePoolProcess(pool: self, plan: plan, helpers: helpers, lock: lock).serve()
        }
    }
}
