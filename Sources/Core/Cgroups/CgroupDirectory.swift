import CShim
import Glibc
import Rootless

/// A container's cgroup v2 directory and what every driver does with it once it exists:
/// limits, freezing, killing, listing and removal. Only its creation (mkdir, or a systemd
/// scope) and its teardown differ between drivers.
public struct CgroupDirectory: Sendable, Equatable {
    public let path: String

    public init(path: String) { self.path = path }

    public func write(_ write: CgroupWrite) throws {
        if !FileIO.writeKnob(path + "/" + write.file, write.value) {
            let code = cshim_errno()
            throw RuntimeError(step: "write \(write.file) \"\(write.value)\"", path: write.field, CgroupDirectory.explain(code), errno: code)
        }
    }

    /// What the kernel's bare errno means for a cgroup file.
    static func explain(_ code: Int32) -> String {
        switch code {
        case ENOENT: return "the file does not exist (is its controller enabled?)"
        case EINVAL, ERANGE: return "the kernel refused the value"
        case EBUSY: return "the cgroup is busy"
        default: return ""
        }
    }

    public func read(_ file: String) -> String? {
        FileIO.readText(path + "/" + file).map { String($0.prefix { $0 != "\n" }) }
    }

    public var exists: Bool { FileIO.isDirectory(path) }

    /// A value of cgroup.events (populated, frozen), parsed as the stats files are.
    func event(_ key: String) -> UInt64? {
        FileIO.readText(path + "/cgroup.events").flatMap { CgroupFileFormat.value(of: key, inFlatKeyed: $0) }
    }

    public var isFrozen: Bool { event("frozen") == 1 }
    public var isPopulated: Bool { event("populated") == 1 }

    /// Freezes or thaws, then waits until the kernel reports it done: tasks stop only at their
    /// next return to user space, so cgroup.freeze alone does not mean frozen.
    public func freeze(_ frozen: Bool, timeoutMs: Int64 = 10_000) throws {
        let value = frozen ? "1" : "0"
        if !FileIO.writeKnob(path + "/cgroup.freeze", value) {
            let code = cshim_errno()
            let why = code == ENOENT ? "this kernel's cgroup v2 has no freezer (cgroup.freeze needs 5.2)" : ""
            throw RuntimeError(step: "write cgroup.freeze", path: path, why, errno: code)
        }
        try waitFor(timeoutMs: timeoutMs, what: frozen ? "freeze" : "thaw") { isFrozen == frozen }
    }

    /// Waits for a condition on cgroup.events, which the kernel signals with POLLPRI on change.
    func waitFor(timeoutMs: Int64, what: String, _ done: () -> Bool) throws {
        let fd = open(path + "/cgroup.events", O_RDONLY | O_CLOEXEC)
        defer { if fd >= 0 { close(fd) } }
        let deadline = Clock.monotonicMs() + timeoutMs
        while !done() {
            let left = deadline - Clock.monotonicMs()
            if left <= 0 { throw RuntimeError(step: what, path: path, "not done after \(timeoutMs / 1000) s") }
            if fd < 0 {
                usleep(1000)
                continue
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLPRI), revents: 0)
            _ = poll(&pfd, 1, Int32(min(left, 100)))
            var byte: UInt8 = 0
            _ = pread(fd, &byte, 1, 0)
        }
    }

    /// SIGKILL to every process in the cgroup and below at once (cgroup.kill, kernel 5.14);
    /// false when this kernel has no cgroup.kill.
    public func killAll() throws -> Bool {
        if FileIO.writeKnob(path + "/cgroup.kill", "1") { return true }
        let code = cshim_errno()
        if code == ENOENT { return false }
        throw RuntimeError(step: "write cgroup.kill", path: path, "", errno: code)
    }

    /// Every process in this cgroup and its descendants (a container with a cgroup namespace
    /// may have made sub-cgroups of its own).
    public func processes() -> [Int32] {
        var pids: [Int32] = []
        var pending = [path]
        while let dir = pending.popLast() {
            for line in (FileIO.readText(dir + "/cgroup.procs") ?? "").split(separator: "\n") {
                if let pid = Int32(line) { pids.append(pid) }
            }
            pending += subdirectories(of: dir)
        }
        return pids
    }

    func subdirectories(of dir: String) -> [String] {
        (FileIO.list(dir) ?? []).map { dir + "/" + $0 }.filter { FileIO.isDirectory($0) }
    }

    /// Removes the cgroup and any sub-cgroups, deepest first. The processes must be gone;
    /// the kernel may report a cgroup busy for a moment after its last process exited.
    public func remove() throws {
        var order: [String] = []
        var pending = [path]
        while let dir = pending.popLast() {
            order.append(dir)
            pending += subdirectories(of: dir)
        }
        for dir in order.reversed() {
            var tries = 0
            while rmdir(dir) != 0 {
                let code = cshim_errno()
                if code == ENOENT { break }
                tries += 1
                if code != EBUSY || tries > 200 { throw RuntimeError(step: "remove cgroup", path: dir, "", errno: code) }
                usleep(1000)
            }
        }
    }

    /// Kills what is left in the cgroup and waits for it to empty.
    public func killRemaining() throws {
        guard exists, isPopulated else { return }
        if !(try killAll()) {
            for pid in processes() { kill(pid, SIGKILL) }
        }
        try waitFor(timeoutMs: 10_000, what: "empty the cgroup") { !isPopulated }
    }

    /// Kills what is left in the cgroup, waits for it to empty, and removes it.
    public func destroy() throws {
        guard exists else { return }
        try killRemaining()
        try remove()
    }
}
