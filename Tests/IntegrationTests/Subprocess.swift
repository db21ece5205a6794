// Running a program with a deadline. stdout and stderr go to files, not pipes: a detached
// container inherits rsrun's stdio and may hold it open long after rsrun exits, so waiting
// for EOF on a pipe could hang; we wait for the process itself instead.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// How a finished subprocess ended.
struct ProcResult: Sendable, CustomStringConvertible {
    var argv: [String]
    /// The exit status as a shell reports it: the exit code, or 128+N after signal N.
    var status: Int32
    /// The signal that killed the process itself, if any.
    var signal: Int32?
    var stdout: String
    var stderr: String
    var timedOut: Bool

    var ok: Bool { !timedOut && status == 0 }
    var failed: Bool { !timedOut && status != 0 }

    /// stderr split into lines, the final newline dropped.
    var stderrLines: [String] {
        var text = stderr
        if text.hasSuffix("\n") { text.removeLast() }
        return text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    var description: String {
        let command = argv.map { $0.count > 120 ? String($0.prefix(117)) + "..." : $0 }.joined(separator: " ")
        var text = "`\(command)` → "
        if timedOut {
            text += "TIMED OUT"
        } else if let signal {
            text += "killed by signal \(signal)"
        } else {
            text += "exit \(status)"
        }
        if !stdout.isEmpty { text += "\n  stdout: \(stdout.prefix(2000))" }
        if !stderr.isEmpty { text += "\n  stderr: \(stderr.prefix(2000))" }
        return text
    }
}

/// Counts timeouts across the run: once a few calls have hung, later calls get a shorter
/// deadline so that a binary that hangs everywhere cannot eat CI's time.
final class TimeoutCounter: @unchecked Sendable {
    static let shared = TimeoutCounter()
    private let lock = NSLock()
    private var count = 0

    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }

    /// `requested`, shortened to 10 s after 5 timeouts.
    func effective(_ requested: Double) -> Double {
        value >= 5 ? min(requested, 10) : requested
    }
}

/// A started process.
final class Subprocess: @unchecked Sendable {
    let pid: pid_t
    let argv: [String]
    private let outPath: String
    private let errPath: String
    private let deadline: Date
    private let timeout: Double
    private let recordTimeout: Bool
    private let lock = NSLock()
    private var result: ProcResult?

    private static let counter = Counter()
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        func take() -> Int { lock.withLock { next += 1; return next } }
    }

    private init(
        pid: pid_t, argv: [String], outPath: String, errPath: String, timeout: Double, recordTimeout: Bool
    ) {
        self.pid = pid
        self.argv = argv
        self.outPath = outPath
        self.errPath = errPath
        self.timeout = timeout
        self.deadline = Date().addingTimeInterval(timeout)
        self.recordTimeout = recordTimeout
    }

    /// Starts `argv` (argv[0] an absolute path) with exactly `env`, stdin from /dev/null,
    /// in a process group of its own, with default signal dispositions and an empty mask.
    static func start(
        _ argv: [String], env: [String], timeout: Double = 30, recordTimeout: Bool = true
    ) -> Subprocess? {
        precondition(!argv.isEmpty)
        let ioDir = fileExists("\(Env.base)/io") ? "\(Env.base)/io" : "/tmp"
        let n = counter.take()
        let outPath = "\(ioDir)/\(getpid())-\(n).out"
        let errPath = "\(ioDir)/\(getpid())-\(n).err"

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // The child gets fds 0-2 only (glibc >= 2.34; the header hides it from Swift).
        if let closeFrom = Subprocess.addCloseFrom { _ = closeFrom(&actions, 3) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            cEnv.forEach { free($0) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnv)
        guard rc == 0 else {
            Issue.record("cannot start \(argv[0]): \(String(cString: strerror(rc)))")
            return nil
        }
        return Subprocess(
            pid: pid, argv: argv, outPath: outPath, errPath: errPath, timeout: timeout,
            recordTimeout: recordTimeout)
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Starts, waits, returns the result (a failed start reads as exit 127).
    static func run(
        _ argv: [String], env: [String], timeout: Double = 30, recordTimeout: Bool = true
    ) -> ProcResult {
        guard let process = start(argv, env: env, timeout: timeout, recordTimeout: recordTimeout) else {
            return ProcResult(argv: argv, status: 127, signal: nil, stdout: "", stderr: "", timedOut: false)
        }
        return process.wait()
    }

    /// Waits until the process ends or its deadline passes; past it, kills its process group,
    /// records an issue and returns a result with `timedOut` set.
    @discardableResult
    func wait() -> ProcResult {
        if let done = lock.withLock({ result }) { return done }
        var status: Int32 = 0
        var timedOut = false
        var pause: UInt32 = 1_000
        while true {
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid { break }
            if rc < 0 && errno != EINTR {
                status = 127 << 8
                break
            }
            if Date() >= deadline {
                timedOut = true
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                break
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        let termSignal = status & 0x7f
        let signal: Int32? = (termSignal != 0 && termSignal != 0x7f) ? termSignal : nil
        let code = signal.map { 128 + $0 } ?? ((status >> 8) & 0xff)
        let done = ProcResult(
            argv: argv, status: code, signal: signal,
            stdout: readText(outPath) ?? "", stderr: readText(errPath) ?? "", timedOut: timedOut)
        unlink(outPath)
        unlink(errPath)
        if timedOut {
            TimeoutCounter.shared.add()
            if recordTimeout {
                Issue.record("timed out after \(Int(timeout)) s and was killed: \(done)")
            }
        }
        lock.withLock { result = done }
        return done
    }

    /// Gives the process `grace` seconds to end, then kills its process group and reaps it.
    func killAndWait(grace: Double = 0) {
        if lock.withLock({ result }) != nil { return }
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(grace)
        var reaped = false
        while !reaped && Date() < deadline {
            reaped = waitpid(pid, &status, WNOHANG) == pid
            if !reaped { usleep(20_000) }
        }
        if !reaped {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        unlink(outPath)
        unlink(errPath)
        lock.withLock {
            result = ProcResult(argv: argv, status: 137, signal: SIGKILL, stdout: "", stderr: "", timedOut: false)
        }
    }
}
