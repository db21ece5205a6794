import CShim
import Glibc

/// Small, allocation-light file helpers over raw syscalls (no Foundation on the hot path).
public enum FileIO {
    /// The whole file, or nil with errno set.
    public static func read(_ path: String, limit: Int = 16 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { close(fd) }
        return readAll(fd: fd, limit: limit)
    }

    public static func readAll(fd: Int32, limit: Int = 16 << 20) -> [UInt8]? {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if cshim_errno() == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    public static func readText(_ path: String) -> String? {
        guard let bytes = read(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes all of `bytes` to `fd`, retrying short writes. False with errno on failure.
    @discardableResult
    public static func writeAll(fd: Int32, _ bytes: some Collection<UInt8>) -> Bool {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            let n = array.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if cshim_errno() == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Writes `text` into an existing file (a /proc or /sys knob): one write, no truncation games.
    public static func writeKnob(_ path: String, _ text: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd < 0 { return false }
        defer { close(fd) }
        return writeAll(fd: fd, Array(text.utf8))
    }

    /// Replaces `path` atomically: write a temp file beside it, fsync-free rename over the old one.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        if fd < 0 { throw RuntimeError.system("write", path: tmp) }
        let ok = writeAll(fd: fd, bytes)
        let code = cshim_errno()
        close(fd)
        if !ok { unlink(tmp); throw RuntimeError.system("write", path: tmp, errno: code) }
        if rename(tmp, path) != 0 {
            let code = cshim_errno()
            unlink(tmp)
            throw RuntimeError.system("rename", path: path, errno: code)
        }
    }

    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// mkdir -p with `mode` for the directories it creates.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) -> Bool {
        if isDirectory(path) { return true }
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, mode) != 0 && cshim_errno() != EEXIST { return false }
        }
        return isDirectory(path)
    }

    /// rm -r for a state directory: it only ever holds plain files, fifos and sockets, so one level.
    public static func removeFlatDirectory(_ path: String) -> Bool {
        for name in list(path) ?? [] { unlink(path + "/" + name) }
        return rmdir(path) == 0 || cshim_errno() == ENOENT
    }

    /// Names in a directory, without "." and "..".
    public static func list(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        return names(in: dir)
    }

    /// Names in the directory open at `directoryFD` (left open: the listing reads a dup).
    public static func list(directoryFD: Int32) -> [String]? {
        let copy = fcntl(directoryFD, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { return nil }
        guard let dir = fdopendir(copy) else {
            close(copy)
            return nil
        }
        rewinddir(dir)
        return names(in: dir)
    }

    private static func names(in dir: OpaquePointer) -> [String] {
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
