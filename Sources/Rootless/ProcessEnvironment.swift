import Glibc

/// The few environment variables rsrun's decisions depend on, read once at start-up so that
/// the rest of the code (and its tests) takes them as plain values.
public struct ProcessEnvironment: Sendable, Equatable {
    /// Where per-user runtime state lives (set by logind; wrong after a plain `su`).
    public var xdgRuntimeDir: String?
    /// The search path for newuidmap/newgidmap. nil when PATH is unset.
    public var path: String?
    /// `RSRUN_NEWUIDMAP` / `RSRUN_NEWGIDMAP`: explicit helper paths, bypassing the PATH search
    /// (for helpers installed outside PATH, e.g. a distribution's /usr/libexec).
    public var newuidmap: String?
    public var newgidmap: String?
    /// `RSRUN_USERNS_POOL`: `off` (or 0) turns the user namespace pool off; a number of
    /// seconds sets how long an idle pool waits before it exits.
    public var userNamespacePool: String?
    /// Where the user's D-Bus session bus listens, as the session set it up; the rootless
    /// systemd cgroup driver talks to the user's systemd there (see UserBus).
    public var dbusSessionBusAddress: String?

    public init(xdgRuntimeDir: String? = nil, path: String? = nil, newuidmap: String? = nil, newgidmap: String? = nil,
                userNamespacePool: String? = nil, dbusSessionBusAddress: String? = nil) {
        self.xdgRuntimeDir = xdgRuntimeDir
        self.path = path
        self.newuidmap = newuidmap
        self.newgidmap = newgidmap
        self.userNamespacePool = userNamespacePool
        self.dbusSessionBusAddress = dbusSessionBusAddress
    }

    public static func current() -> ProcessEnvironment {
        ProcessEnvironment(
            xdgRuntimeDir: variable("XDG_RUNTIME_DIR"), path: variable("PATH"),
            newuidmap: variable("RSRUN_NEWUIDMAP"), newgidmap: variable("RSRUN_NEWGIDMAP"),
            userNamespacePool: variable("RSRUN_USERNS_POOL"),
            dbusSessionBusAddress: variable("DBUS_SESSION_BUS_ADDRESS"))
    }

    /// A variable's value; empty counts as unset.
    static func variable(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// What a shell searches when PATH is unset.
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}
