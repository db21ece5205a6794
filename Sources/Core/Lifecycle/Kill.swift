import CShim
import Glibc
import Rootless

extension Runtime {
    public func kill(_ id: String, signal: Int32) throws {
        let (record, status) = try inspect(id)
        guard let record, status == .created || status == .running else {
            throw RuntimeError("container is \(status.rawValue), not running")
        }
        guard let fd = pidfd(for: record) else { throw RuntimeError("container is stopped, not running") }
        defer { close(fd) }
        if cshim_pidfd_send_signal(fd, signal) != 0 { throw RuntimeError.system("send signal \(signal)") }
    }
}
