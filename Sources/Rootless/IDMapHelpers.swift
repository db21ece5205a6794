import CShim
import Glibc

/// newuidmap and newgidmap (package `uidmap`): the setuid helpers that let an unprivileged
/// user write the subordinate ranges /etc/subuid and /etc/subgid grant it into a child's
/// uid_map and gid_map. Found before clone3, so a missing helper is reported before anything
/// exists; why an existing one failed (no privilege, no range) is worked out only after it
/// did, to keep the working path to one PATH search.
public struct IDMapHelpers: Sendable, Equatable {
    public var newuidmap: String
    public var newgidmap: String

    public init(newuidmap: String, newgidmap: String) {
        self.newuidmap = newuidmap
        self.newgidmap = newgidmap
    }

    /// `RSRUN_NEWUIDMAP`/`RSRUN_NEWGIDMAP` when set, else the first executable in PATH.
    public static func locate(_ environment: ProcessEnvironment) throws -> IDMapHelpers {
        IDMapHelpers(
            newuidmap: try find(.uid, explicit: environment.newuidmap, path: environment.path),
            newgidmap: try find(.gid, explicit: environment.newgidmap, path: environment.path))
    }

    static func find(_ kind: SubordinateIDs.Kind, explicit: String?, path: String?) throws -> String {
        let helper = kind.helper
        if let explicit {
            let variable = kind == .uid ? "RSRUN_NEWUIDMAP" : "RSRUN_NEWGIDMAP"
            guard access(explicit, X_OK) == 0, !FileIO.isDirectory(explicit) else {
                throw RuntimeError(path: variable, "\(explicit) is not an executable file; unset it to search PATH for \(helper)")
            }
            return explicit
        }
        let search = path ?? ProcessEnvironment.defaultPath
        for dir in search.split(separator: ":") where !dir.isEmpty {
            let candidate = dir.hasSuffix("/") ? "\(dir)\(helper)" : "\(dir)/\(helper)"
            if access(candidate, X_OK) == 0 && !FileIO.isDirectory(candidate) { return candidate }
        }
        throw RuntimeError(path: helper,
            "not found in PATH (\(search)); mapping subordinate ids needs it: install the uidmap package "
            + "(apt install uidmap; shadow-utils on Fedora), or map only your own id")
    }

    /// The helper only works when it runs with privilege: setuid root, or file capabilities
    /// (CAP_SETUID for newuidmap, CAP_SETGID for newgidmap), on a mount that honours them.
    static func checkPrivilege(_ path: String, _ kind: SubordinateIDs.Kind) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { throw RuntimeError.system("stat", path: path) }
        let setuidRoot = st.st_uid == 0 && st.st_mode & S_ISUID != 0
        let fileCaps = !setuidRoot && cshim_getxattr(path, "security.capability", nil, 0) > 0
        let capability = kind == .uid ? "cap_setuid" : "cap_setgid"
        guard setuidRoot || fileCaps else {
            throw RuntimeError(path: path,
                "is neither setuid root nor given file capabilities, so it cannot write \(kind == .uid ? "uid_map" : "gid_map"); "
                + "reinstall it (apt install --reinstall uidmap) or, as root, chmod u+s \(path) or setcap \(capability)+ep \(path)")
        }
        var fs = statvfs()
        if statvfs(path, &fs) == 0 && fs.f_flag & UInt(ST_NOSUID) != 0 {
            throw RuntimeError(path: path,
                "is on a nosuid mount, where its \(setuidRoot ? "setuid bit" : "file capabilities") have no effect; "
                + "use a \(kind.helper) from a mount without nosuid (RSRUN_\(kind.helper.uppercased())=PATH)")
        }
    }
}
