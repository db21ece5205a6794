@testable import Core
import Glibc
import Rootless
import Testing

/// SystemdScope against a real systemd: only where systemd is PID 1 (the vmlab guest), as
/// root over the system bus and as a user with a session over the user bus. Elsewhere these
/// tests are skipped: a dev machine or CI container usually has no systemd to talk to.
@Suite("SystemdScopeLive: transient scopes on a running systemd")
struct SystemdScopeLiveTests {
    static let booted = SystemdHost.isBooted()
    static let rootful = booted && geteuid() == 0
    static let rootlessBus: String? = {
        guard booted, geteuid() != 0,
              case .found(let address) = UserBus.locate(environment: .current()) else { return nil }
        return address
    }()

    @Test("rootful: a scope in system.slice holds the child, applies MemoryMax, updates, and goes away",
          .enabled(if: rootful, "needs systemd as PID 1 (/run/systemd/system) and root; runs in the vmlab guest"))
    func rootfulScope() throws {
        try Self.exercise(bus: try Bus.system(), slice: "system.slice")
    }

    @Test("rootless: the same over the user bus, in the user's user.slice",
          .enabled(if: rootlessBus != nil, "needs systemd as PID 1, a non-root user and its session bus; runs in the vmlab guest"))
    func rootlessScope() throws {
        let address = try #require(Self.rootlessBus)
        let uid = UInt32(geteuid())
        try SystemdHost.checkDelegation(uid: uid, controllers: SystemdHost.userManagerControllers(uid: uid), needed: ["memory", "pids"])
        try Self.exercise(bus: try Bus.user(address: address), slice: "user.slice")
    }

    @Test("a start for a pid that does not exist is a one-line error, and leaves no unit behind",
          .enabled(if: rootful || rootlessBus != nil, "needs systemd as PID 1; runs in the vmlab guest"))
    func deadPid() throws {
        let bus = try Self.rootlessBus.map { try Bus.user(address: $0) } ?? Bus.system()
        let pid = try Self.spawn(["/bin/true"])
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let unit = Self.unitName()
        do {
            try SystemdScope.start(unit: unit, slice: Self.rootful ? "system.slice" : "user.slice", pid: pid, properties: [], bus: bus)
            Issue.record("started \(unit) for a dead pid")
        } catch let error as RuntimeError {
            print("dead pid: \(error)")
            #expect(!error.description.contains("\n"))
        }
        #expect(try !Self.unitLoaded(unit, bus))
        try SystemdScope.stop(unit: unit, bus: bus)
    }

    /// GetUnit answers NoSuchUnit for a unit systemd does not hold (loaded, failed or active).
    static func unitLoaded(_ unit: String, _ bus: Bus) throws -> Bool {
        let message = try bus.methodCall("GetUnit")
        try message.append(unit)
        do {
            _ = try bus.call(message)
            return true
        } catch let error as BusCallError where error.name == SystemdScope.noSuchUnit {
            return false
        }
    }

    static func unitName() -> String { "rsrun-test-\(UInt32.random(in: 0...UInt32.max)).scope" }

    static func exercise(bus: Bus, slice: String) throws {
        let version = SystemdScope.version(bus: bus)
        print("systemd version on \(bus.name): \(version.map(String.init) ?? "unknown")")
        let unit = unitName()
        let pid = try spawn(["/bin/sleep", "30"])
        var reaped = false
        defer {
            if !reaped {
                kill(pid, SIGKILL)
                waitpid(pid, nil, 0)
            }
        }
        var resources = Spec.Resources()
        resources.memory = Spec.Resources.Memory()
        resources.memory?.limit = 33_554_432
        resources.pids = Spec.Resources.Pids(limit: 100)
        let properties = try SystemdProperties.from(resources, systemdVersion: version)

        let started = Clock.monotonicMs()
        try SystemdScope.start(unit: unit, slice: slice, pid: pid, properties: properties, bus: bus)
        print("started \(unit) in \(Clock.monotonicMs() - started) ms")
        let path = try SystemdScope.cgroupPath(of: pid)
        print("child \(pid) is in \(path)")
        #expect(path.hasSuffix("/\(slice)/\(unit)"))
        #expect(FileIO.readText(path + "/memory.max") == "33554432\n")
        #expect(FileIO.readText(path + "/pids.max") == "100\n")
        #expect(FileIO.readText(path + "/cgroup.procs") == "\(pid)\n")

        try SystemdScope.setProperties(unit: unit, properties: [.init("MemoryMax", .uint64(67_108_864))], bus: bus)
        #expect(FileIO.readText(path + "/memory.max") == "67108864\n")

        // A second start of the live unit: runc's reset-and-retry, then a clear error.
        do {
            try SystemdScope.start(unit: unit, slice: slice, pid: pid, properties: [], bus: bus)
            Issue.record("started \(unit) twice")
        } catch let error as RuntimeError {
            print("second start: \(error)")
            #expect(error.message.contains("already exists"))
            #expect(error.message.contains(bus.isUser ? "systemctl --user stop \(unit)" : "systemctl stop \(unit)"))
        }
        #expect(try Self.unitLoaded(unit, bus))

        try SystemdScope.stop(unit: unit, bus: bus)
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        reaped = true
        print("child wait status after stop: \(status) (signal \(status & 0x7f))")
        #expect(status & 0x7f == SIGTERM)
        // systemd removes the cgroup once the scope is dead; allow it a moment.
        var gone = !FileIO.exists(path)
        for _ in 0..<40 where !gone {
            usleep(50_000)
            gone = !FileIO.exists(path)
        }
        #expect(gone, "\(path) still exists after stop")
        #expect(try !Self.unitLoaded(unit, bus))
        // Stopping what is gone is not an error.
        try SystemdScope.stop(unit: unit, bus: bus)
    }

    /// posix_spawn, not fork: the test runner is multi-threaded. The child gets an empty
    /// signal mask and default SIGTERM: it would otherwise inherit the runner thread's blocked
    /// signals, and the SIGTERM systemd stops the scope with would wait for the 90 s SIGKILL.
    static func spawn(_ args: [String]) throws -> Int32 {
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, args[0], nil, &attr, &argv, environ)
        if rc != 0 { throw RuntimeError.system("posix_spawn", path: args[0], errno: rc) }
        return pid
    }
}
