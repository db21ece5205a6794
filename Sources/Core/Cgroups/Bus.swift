import Glibc
import Rootless

/// A connection to a systemd instance over D-Bus: the system bus for root, the user's session
/// bus (UserBus.locate) for a rootless caller, whose own systemd creates its scopes.
/// Single-threaded like the rest of rsrun: replies and signals are read by this process, in
/// sd_bus_call and in waitForJob, never by a background thread.
public final class Bus {
    let sd: SDBus
    let handle: OpaquePointer
    /// "the system bus" or "the user bus at ...", for errors.
    public let name: String
    /// Talking to a user's systemd: the commands an error suggests need `--user`.
    public let isUser: Bool
    private let jobs: JobLog
    private var watchingJobs = false

    static let service = "org.freedesktop.systemd1"
    static let object = "/org/freedesktop/systemd1"
    static let manager = "org.freedesktop.systemd1.Manager"

    private init(sd: SDBus, handle: OpaquePointer, name: String, isUser: Bool) {
        self.sd = sd
        self.handle = handle
        self.name = name
        self.isUser = isUser
        self.jobs = JobLog(sd: sd)
    }

    deinit {
        // Also frees the JobRemoved match, whose userdata is `jobs`: still alive here.
        _ = sd.flushCloseUnref(handle)
    }

    public static func system() throws -> Bus {
        let sd = try SDBus.load()
        var handle: OpaquePointer?
        let rc = sd.openSystem(&handle)
        guard rc >= 0, let handle else {
            throw RuntimeError(step: "systemd cgroup driver", "cannot connect to the system D-Bus (is dbus running?)", errno: -rc)
        }
        return Bus(sd: sd, handle: handle, name: "the system bus", isUser: false)
    }

    /// sd_bus_open_user would find the address itself, but from the environment only; taking
    /// it explicitly lets the caller decide (and explain) where the user bus is.
    public static func user(address: String) throws -> Bus {
        let sd = try SDBus.load()
        var handle: OpaquePointer?
        var rc = sd.new(&handle)
        guard rc >= 0, let handle else { throw RuntimeError(step: "systemd cgroup driver", "sd_bus_new", errno: -rc) }
        let bus = Bus(sd: sd, handle: handle, name: "the user bus at \(address)", isUser: true)
        rc = sd.setAddress(handle, address)
        if rc >= 0 { rc = sd.setBusClient(handle, 1) }
        if rc >= 0 { rc = sd.start(handle) }
        if rc < 0 { throw RuntimeError(step: "systemd cgroup driver", "cannot connect to \(bus.name)", errno: -rc) }
        return bus
    }

    /// A call to the systemd manager (or another interface of its object).
    func methodCall(_ member: String, interface: String = Bus.manager) throws -> BusMessage {
        var message: OpaquePointer?
        let rc = sd.newMethodCall(handle, &message, Bus.service, Bus.object, interface, member)
        guard rc >= 0, let message else {
            throw RuntimeError(step: "systemd cgroup driver", "D-Bus method call \(member)", errno: -rc)
        }
        return BusMessage(sd: sd, pointer: message)
    }

    /// Sends and waits for the reply (sd-bus's default timeout, 25 s). A D-Bus error comes back
    /// as BusCallError so that callers can accept the error names they expect.
    func call(_ message: BusMessage) throws -> BusMessage {
        // sd_bus_error is { const char *name; const char *message; int _need_free; }:
        // zeroed is SD_BUS_ERROR_NULL.
        let error = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 8)
        error.initializeMemory(as: UInt8.self, repeating: 0, count: 32)
        defer {
            sd.errorFree(error)
            error.deallocate()
        }
        var reply: OpaquePointer?
        let rc = sd.call(handle, message.pointer, 0, error, &reply)
        if rc < 0 {
            if let reply { _ = sd.messageUnref(reply) }
            let name = error.load(as: UnsafePointer<CChar>?.self).map { String(cString: $0) } ?? ""
            let text = error.load(fromByteOffset: MemoryLayout<UnsafePointer<CChar>?>.stride, as: UnsafePointer<CChar>?.self)
                .map { String(cString: $0) } ?? RuntimeError.errnoText(-rc)
            throw BusCallError(name: name, message: text, errno: -rc)
        }
        guard let reply else { throw BusCallError(name: "", message: "no reply", errno: EIO) }
        return BusMessage(sd: sd, pointer: reply)
    }

    /// A Manager property of type "s" (Version, ControlGroup), through org.freedesktop.DBus.Properties.
    public func managerProperty(_ property: String) throws -> String {
        let message = try methodCall("Get", interface: "org.freedesktop.DBus.Properties")
        try message.append(Bus.manager)
        try message.append(property)
        let reply: BusMessage
        do { reply = try call(message) } catch let error as BusCallError {
            throw error.runtimeError("reading the systemd manager's \(property) on \(name)")
        }
        try reply.enter("v", "s")
        return try reply.readString()
    }

    // MARK: jobs

    /// Subscribes to JobRemoved before any job is queued, so that a job finishing right after
    /// the call that queued it is not missed. Subscribe() is not needed: systemd sends a job's
    /// signals to the client that queued it (the job tracks its sender), subscribed or not;
    /// subscribing would make it send every unit change to us while the bus is open.
    func watchJobs() throws {
        guard !watchingJobs else { return }
        let rc = sd.matchSignal(handle, nil, Bus.service, Bus.object, Bus.manager, "JobRemoved",
                                jobRemoved, Unmanaged.passUnretained(jobs).toOpaque())
        if rc < 0 { throw RuntimeError(step: "systemd cgroup driver", "watching systemd jobs on \(name)", errno: -rc) }
        watchingJobs = true
    }

    /// Reads messages until JobRemoved for `job` (an object path from StartUnit & co.) arrives,
    /// and returns its result ("done", "failed", "canceled", "timeout", "dependency", "skipped").
    /// nil: `timeoutUSec` passed first.
    func waitForJob(_ job: String, timeoutUSec: UInt64) throws -> String? {
        let deadline = Self.monotonicUSec() + timeoutUSec
        while true {
            if let result = jobs.finished.removeValue(forKey: job) { return result }
            let processed = sd.process(handle, nil)
            if processed < 0 { throw RuntimeError(step: "systemd cgroup driver", "reading from \(name)", errno: -processed) }
            if processed > 0 { continue }
            let now = Self.monotonicUSec()
            if now >= deadline { return nil }
            let waited = sd.wait(handle, deadline - now)
            if waited < 0 && -waited != EINTR {
                throw RuntimeError(step: "systemd cgroup driver", "waiting on \(name)", errno: -waited)
            }
        }
    }

    static func monotonicUSec() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000
    }
}

/// Results of the jobs whose JobRemoved signal has been read, by job object path. A class
/// so that the signal callback, a C function, can reach it through its userdata pointer.
final class JobLog {
    let sd: SDBus
    var finished: [String: String] = [:]

    init(sd: SDBus) { self.sd = sd }
}

/// JobRemoved(u id, o job, s unit, s result), called from inside sd_bus_process.
private func jobRemoved(_ message: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?,
                        _ error: UnsafeMutableRawPointer?) -> Int32 {
    guard let message, let userdata else { return 0 }
    let log = Unmanaged<JobLog>.fromOpaque(userdata).takeUnretainedValue()
    let signal = BusMessage(sd: log.sd, pointer: message, owned: false)
    guard (try? signal.readUInt32()) != nil, let job = try? signal.readString("o"),
          (try? signal.readString()) != nil, let result = try? signal.readString() else { return 0 }
    log.finished[job] = result
    return 0
}
