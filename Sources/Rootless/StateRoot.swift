import CShim
import Glibc

/// Where container state lives, by the rules users of runc and crun expect:
/// `--root` wins; real root uses /run/rsrun; everyone else $XDG_RUNTIME_DIR/rsrun, or
/// /run/user/<uid>/rsrun when XDG_RUNTIME_DIR is unset. An XDG_RUNTIME_DIR that is not ours
/// (left over from `su`) is an error, not a reason to look elsewhere: state split between two
/// roots would hide containers from the engine that made them.
public enum StateRoot {
    public static let systemRoot = "/run/rsrun"

    /// The state root, without creating anything (read-only verbs must not leave directories behind).
    public static func resolve(explicit: String?, identity: Identity, xdgRuntimeDir: String?) throws -> String {
        if let explicit, !explicit.isEmpty { return absolute(explicit) }
        if identity.kind == .root { return systemRoot }
        let session = "/run/user/\(identity.sessionUID)"
        let fix = "pass --root DIR, or set XDG_RUNTIME_DIR to a directory you own (mode 0700)"
        if let xdg = xdgRuntimeDir, !xdg.isEmpty {
            guard xdg.hasPrefix("/") else {
                throw RuntimeError(path: "XDG_RUNTIME_DIR", "must be an absolute path, got \"\(xdg)\"; \(fix)")
            }
            var st = stat()
            guard stat(xdg, &st) == 0 else {
                throw RuntimeError(path: "XDG_RUNTIME_DIR", "\(xdg) does not exist; \(fix)")
            }
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw RuntimeError(path: "XDG_RUNTIME_DIR", "\(xdg) is not a directory; \(fix)")
            }
            guard st.st_uid == identity.uid else {
                let own = ownedDirectory(session, uid: identity.uid) ? "export XDG_RUNTIME_DIR=\(session), " : ""
                throw RuntimeError(path: "XDG_RUNTIME_DIR",
                    "\(xdg) belongs to uid \(st.st_uid), not to you (uid \(identity.uid)), as after `su` without a login session; "
                    + "\(own)log in as the user (ssh, machinectl shell) or pass --root DIR")
            }
            return xdg + "/rsrun"
        }
        if ownedDirectory(session, uid: identity.uid) { return session + "/rsrun" }
        throw RuntimeError(path: "XDG_RUNTIME_DIR",
            "it is not set, and \(session) does not exist (no login session); \(fix)")
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
