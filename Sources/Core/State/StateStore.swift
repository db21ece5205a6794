import CShim
import Glibc
import Rootless

/// The state directory: `<root>/<id>/` holds `state.json` and, until `start`, `exec.fifo`.
/// Verbs that change a container serialize on an exclusive flock of its directory; `state`
/// and `list` only read, relying on state.json being replaced atomically.
public struct StateStore: Sendable {
    public let root: String
    public static let stateFile = "state.json"
    public static let execFifo = "exec.fifo"

    public init(root: String) { self.root = root }

    public func directory(_ id: String) -> String { root + "/" + id }
    public func fifoPath(_ id: String) -> String { directory(id) + "/" + StateStore.execFifo }
    /// Exists while a container whose init runs startContainer hooks or has poststart hooks
    /// waits for `start`: the init reports on it (an error, or EOF once it has exec'd).
    public func startResultPath(_ id: String) -> String { directory(id) + "/start.result" }
    /// Exists when the container has poststop hooks for `delete` to run.
    public func poststopMarkerPath(_ id: String) -> String { directory(id) + "/poststop" }

    /// Makes the directory of a new container, locked. Fails if the id is taken.
    public func createContainerDirectory(_ id: String) throws -> ContainerLock {
        try StateRoot.prepare(root)
        let dir = directory(id)
        if mkdir(dir, 0o700) != 0 {
            if cshim_errno() == EEXIST { throw RuntimeError("container \"\(id)\" already exists") }
            throw RuntimeError.system("create state directory", path: dir)
        }
        do {
            return try ContainerLock(directory: dir)
        } catch {
            rmdir(dir)
            throw error
        }
    }

    /// Locks an existing container's directory; the lock is taken before we look inside, so a
    /// concurrent delete either finished (we see nothing) or has not begun.
    public func lock(_ id: String) throws -> ContainerLock {
        do {
            return try ContainerLock(directory: directory(id))
        } catch let error as RuntimeError where error.errno == ENOENT {
            throw RuntimeError("container does not exist")
        }
    }

    /// The stored record; nil while `create` has not finished writing it.
    public func record(_ id: String) throws -> ContainerRecord? {
        let dir = directory(id)
        let path = dir + "/" + StateStore.stateFile
        guard let bytes = FileIO.read(path) else {
            let code = cshim_errno()
            if code == ENOENT {
                if FileIO.isDirectory(dir) { return nil }
                throw RuntimeError("container does not exist")
            }
            throw RuntimeError.system("read state", path: path, errno: code)
        }
        return try ContainerRecord(json: JSONParser.parse(bytes, source: path), path: path)
    }

    public func save(_ record: ContainerRecord) throws {
        let path = directory(record.id) + "/" + StateStore.stateFile
        try FileIO.writeAtomically(path, Array(record.json.serialized().utf8))
    }

    /// The live status, derived from the init process, the exec fifo and the cgroup freezer.
    public func status(of record: ContainerRecord?) -> ContainerStatus {
        guard let record else { return .creating }
        guard ProcessProbe.isRunning(pid: record.pid, startTime: record.startTime) else { return .stopped }
        if let cgroup = record.cgroup, cgroup.directory.isFrozen { return .paused }
        return FileIO.exists(fifoPath(record.id)) ? .created : .running
    }

    public func remove(_ id: String) throws {
        let dir = directory(id)
        if !FileIO.removeFlatDirectory(dir) { throw RuntimeError.system("remove state directory", path: dir) }
    }

    /// Ids in the root, sorted; an absent root holds no containers.
    public func ids() -> [String] {
        (FileIO.list(root) ?? []).filter { (try? ContainerID.validate($0)) != nil && FileIO.isDirectory(directory($0)) }.sorted()
    }
}

/// An exclusive flock on a container directory, held until `release` or deinit.
public final class ContainerLock {
    var fd: Int32

    init(directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw RuntimeError.system("open state directory", path: directory) }
        while flock(fd, LOCK_EX) != 0 {
            if cshim_errno() == EINTR { continue }
            let code = cshim_errno()
            close(fd)
            throw RuntimeError.system("lock state directory", path: directory, errno: code)
        }
        self.fd = fd
    }

    /// Drops the lock early (a foreground `run` must not hold it while the container runs).
    public func release() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    deinit { release() }
}
