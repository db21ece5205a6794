import CShim
import Glibc

/// An inotify descriptor watching files for IN_MODIFY, for a poll(2) loop to sleep on.
/// cgroup interface files (memory.events, cgroup.events) announce counter changes this way;
/// their contents still have to be read to learn what changed.
struct FileChangeWatch: ~Copyable {
    /// -1 when inotify is unavailable or no path could be watched: the loop then only wakes
    /// on its timeout, which still works, just later.
    let fd: Int32

    init(paths: [String]) {
        var fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        if fd >= 0 {
            var watched = 0
            for path in paths where inotify_add_watch(fd, path, UInt32(IN_MODIFY)) >= 0 { watched += 1 }
            if watched == 0 {
                close(fd)
                fd = -1
            }
        }
        self.fd = fd
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Sleeps until a watched file changes or `nanoseconds` pass (a signal cuts it short too);
    /// true when a change woke it. The queued events are discarded: the caller rereads.
    func wait(nanoseconds: Int64) -> Bool {
        // Round up so a sub-millisecond remainder does not become a busy 0 ms poll.
        let millis = nanoseconds <= 0 ? 0 : Int32(clamping: (nanoseconds + 999_999) / 1_000_000)
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = fd >= 0 ? poll(&entry, 1, millis) : poll(nil, 0, millis)
        guard ready > 0, entry.revents & Int16(POLLIN) != 0 else { return false }
        drain()
        return true
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }
}
