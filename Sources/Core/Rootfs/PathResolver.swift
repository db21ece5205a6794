import Glibc
import Rootless

/// Resolves a container path to a host path under the rootfs, following symlinks as the
/// container would see them: an absolute link target restarts at the rootfs, and `..` never
/// climbs above it. Without this a hostile image could point a mount at the host's /etc.
public enum PathResolver {
    static let maxLinks = 40

    public static func resolve(rootfs: String, _ path: String) throws -> String {
        var pending = Array(path.split(separator: "/").reversed()).map(String.init)
        var resolved: [String] = []
        var links = 0
        while let part = pending.popLast() {
            if part.isEmpty || part == "." { continue }
            if part == ".." { _ = resolved.popLast(); continue }
            let candidate = join(rootfs, resolved + [part])
            if let target = readLink(candidate) {
                links += 1
                if links > maxLinks { throw RuntimeError(path: path, "too many levels of symbolic links", errno: ELOOP) }
                if target.hasPrefix("/") { resolved.removeAll() }
                pending.append(contentsOf: target.split(separator: "/").reversed().map(String.init))
            } else {
                resolved.append(part)
            }
        }
        return join(rootfs, resolved)
    }

    static func join(_ root: String, _ parts: [String]) -> String {
        let base = root == "/" ? "" : root
        return parts.isEmpty ? (base.isEmpty ? "/" : base) : base + "/" + parts.joined(separator: "/")
    }

    static func readLink(_ path: String) -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buf, buf.count - 1)
        if n < 0 { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
