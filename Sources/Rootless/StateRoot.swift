import CShim
import Glibc

/// Where container state lives, by the rules users of runc and crun expect:
/// `--root` wins; real root uses /run/rsrun; everyone else $XDG_RUNTIME_DIR/rsrun,
/// falling back to /run/user/<uid>/rsrun when XDG_RUNTIME_DIR is unset or not ours.
public enum StateRoot {
    public static let systemRoot = "/run/rsrun"

    /// The state root, without creating anything (read-only verbs must not leave directories behind).
    public static func resolve(explicit: String?, identity: Identity, xdgRuntimeDir: String?) throws -> String {
        if let explicit, !explicit.isEmpty { return absolute(explicit) }
        if identity.kind == .root { return systemRoot }
        if let xdg = xdgRuntimeDir, !xdg.isEmpty {
            if xdg.hasPrefix("/") && ownedDirectory(xdg, uid: identity.uid) { return xdg + "/rsrun" }
        }
        let session = "/run/user/\(identity.sessionUID)"
        if ownedDirectory(session, uid: identity.uid) { return session + "/rsrun" }
        let why: String
        if let xdg = xdgRuntimeDir, !xdg.isEmpty {
            why = "\(xdg) is not a directory owned by uid \(identity.uid)"
        } else {
            why = "it is not set"
        }
        throw RuntimeError(path: "XDG_RUNTIME_DIR",
            "\(why), and \(session) does not exist; set XDG_RUNTIME_DIR to a directory you own (mode 0700) or pass --root DIR")
    }

    /// Creates the root (0700) when a verb is about to store a container in it.
    public static func prepare(_ root: String) throws {
        if FileIO.isDirectory(root) { return }
        let parent = root.split(separator: "/", omittingEmptySubsequences: true).dropLast().joined(separator: "/")
        if !parent.isEmpty && !FileIO.makeDirectories("/" + parent, mode: 0o700) {
            throw RuntimeError.system("create state root", path: "/" + parent)
        }
        if mkdir(root, 0o700) != 0 && cshim_errno() != EEXIST {
            throw RuntimeError.system("create state root", path: root)
        }
    }

    static func ownedDirectory(_ path: String, uid: UInt32) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFDIR && st.st_uid == uid
    }

    /// An absolute, normalized path (no `.`, `..` or doubled slashes), relative to the cwd.
    public static func absolute(_ path: String) -> String {
        var base = ""
        if !path.hasPrefix("/") {
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX))
            if getcwd(&buf, buf.count) != nil {
                base = String(decoding: buf.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        var parts: [Substring] = []
        for part in (base + "/" + path).split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
