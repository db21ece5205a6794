import Rootless

/// Which `linux.sysctl` keys a container may set: only those the kernel keeps per namespace,
/// and only when the container has that namespace (new or joined), as runc checks. Anything
/// else would be written to the host's /proc/sys from inside the container.
enum SysctlPolicy {
    /// The IPC sysctls outside fs.mqueue.*.
    static let ipcKeys: Set<String> = [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
        "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
    ]

    /// The entries to write, sorted. kernel.hostname and kernel.domainname come back apart:
    /// /proc/sys refuses them to a user namespace's root, sethostname(2) does not.
    static func check(_ sysctl: [String: String], namespaces: Set<NamespaceKind>, hostname: String?, domainname: String?)
        throws -> (entries: [(key: String, value: String)], hostname: String?, domainname: String?)
    {
        var names: (hostname: String?, domainname: String?) = (nil, nil)
        let entries = try sysctl.sorted { $0.key < $1.key }.compactMap { key, value -> (key: String, value: String)? in
            let field = "linux.sysctl.\(key)"
            // runc accepts "net/ipv4/ip_forward" as well as dots.
            let dotted = String(key.map { $0 == "/" ? "." : $0 })
            let needed: NamespaceKind
            switch dotted {
            case "kernel.hostname", "kernel.domainname":
                needed = .uts
                let (name, other) = dotted == "kernel.hostname" ? ("hostname", hostname) : ("domainname", domainname)
                if let other, !other.isEmpty, other != value {
                    throw RuntimeError(path: field, "\(SpecPath.quoted(value)) conflicts with \(name) \(SpecPath.quoted(other)); set one of them")
                }
            case _ where ipcKeys.contains(dotted) || dotted.hasPrefix("fs.mqueue."):
                needed = .ipc
            case _ where dotted.hasPrefix("net."):
                needed = .network
            default:
                throw RuntimeError(path: field, "is not a namespaced sysctl: setting it in a container would change the host")
            }
            if !namespaces.contains(needed) {
                throw RuntimeError(path: field, "needs a \(needed.rawValue) namespace of the container's own (linux.namespaces: \(needed.rawValue))")
            }
            switch dotted {
            case "kernel.hostname": names.hostname = value; return nil
            case "kernel.domainname": names.domainname = value; return nil
            default: return (key, value)
            }
        }
        return (entries, names.hostname, names.domainname)
    }
}
