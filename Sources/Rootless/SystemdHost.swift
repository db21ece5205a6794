import Glibc

/// What the host's systemd offers the systemd cgroup driver: whether systemd is init at all,
/// and, for a rootless caller, which controllers the user's systemd instance was given to hand
/// on. Decisions are pure functions of what was read, so each error can be tested.
public enum SystemdHost {
    /// sd_booted(3)'s test: systemd creates this directory early at boot, and nothing else does.
    public static func isBooted(root: String = "") -> Bool {
        var st = stat()
        return lstat(root + "/run/systemd/system", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public static func requireBooted(_ booted: Bool) throws {
        guard booted else {
            throw RuntimeError(step: "systemd cgroup driver",
                               "this host does not run systemd as init (no /run/systemd/system); drop --systemd-cgroup")
        }
    }

    /// The cgroup of the user's systemd instance, below the cgroup2 mount: what it can
    /// delegate to a scope is what its own parent enabled for it.
    public static func userManagerCgroup(uid: UInt32) -> String {
        "/user.slice/user-\(uid).slice/user@\(uid).service"
    }

    /// The user manager's cgroup.controllers, nil when it is missing (no user manager running).
    public static func userManagerControllers(uid: UInt32, cgroupRoot: String = "/sys/fs/cgroup") -> String? {
        FileIO.readText(cgroupRoot + userManagerCgroup(uid: uid) + "/cgroup.controllers")
    }

    /// Throws unless every controller in `needed` is in `controllers` (the text of the user
    /// manager's cgroup.controllers, nil when that file could not be read). By default systemd
    /// delegates only memory and pids to users, so cpu, cpuset and io limits need a drop-in.
    public static func checkDelegation(uid: UInt32, controllers: String?, needed: [String]) throws {
        let unit = "user@\(uid).service"
        guard let controllers else {
            throw RuntimeError(step: "systemd cgroup driver",
                               "the user's systemd instance (\(unit)) has no cgroup under /sys/fs/cgroup\(userManagerCgroup(uid: uid)): "
                                   + "it is not running; run `loginctl enable-linger $USER` as root or log in through a session")
        }
        let available = Set(controllers.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        var missing: [String] = []
        for controller in needed where !available.contains(controller) && !missing.contains(controller) {
            missing.append(controller)
        }
        guard !missing.isEmpty else { return }
        let has = available.isEmpty ? "none" : available.sorted().joined(separator: " ")
        throw RuntimeError(step: "systemd cgroup driver",
                           "\(unit) is not delegated the \(missing.joined(separator: " ")) controller\(missing.count == 1 ? "" : "s") "
                               + "(it has: \(has)); as root, create /etc/systemd/system/user@.service.d/delegate.conf containing "
                               + "\"[Service]\\nDelegate=cpu cpuset io memory pids\", run `systemctl daemon-reload`, and log in again")
    }
}
