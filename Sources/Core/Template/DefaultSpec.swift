import Rootless

/// The config.json `rsrun spec` writes: runc's defaults, made rootless on request the way a
/// rootless user needs them (own user namespace with the given maps, host network, /sys
/// bound, devpts gid=5 only when group 5 is mapped).
public enum DefaultSpec {
    /// - Parameter mappings: the user namespace maps of a rootless config; nil for a rootful one.
    public static func json(mappings: IDMaps?) -> JSONValue {
        let rootless = mappings != nil
        // devpts refuses gid=5 when group 5 does not exist in the container.
        let ttyGroupMapped = mappings.map { $0.gids.hostID(for: 5) != nil } ?? true
        func strings(_ items: [String]) -> JSONValue { .array(items.map { .string($0) }) }
        func object(_ entries: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(entries.map { (key: $0.0, value: $0.1) })) }
        let caps = strings(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])
        var mounts: [JSONValue] = [
            object([("destination", .string("/proc")), ("type", .string("proc")), ("source", .string("proc"))]),
            object([("destination", .string("/dev")), ("type", .string("tmpfs")), ("source", .string("tmpfs")),
                    ("options", strings(["nosuid", "strictatime", "mode=755", "size=65536k"]))]),
            object([("destination", .string("/dev/pts")), ("type", .string("devpts")), ("source", .string("devpts")),
                    ("options", strings(["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] + (ttyGroupMapped ? ["gid=5"] : [])))]),
            object([("destination", .string("/dev/shm")), ("type", .string("tmpfs")), ("source", .string("shm")),
                    ("options", strings(["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]))]),
            object([("destination", .string("/dev/mqueue")), ("type", .string("mqueue")), ("source", .string("mqueue")),
                    ("options", strings(["nosuid", "noexec", "nodev"]))]),
        ]
        if rootless {
            mounts.append(object([("destination", .string("/sys")), ("type", .string("none")), ("source", .string("/sys")),
                                  ("options", strings(["rbind", "nosuid", "noexec", "nodev", "ro"]))]))
        } else {
            mounts.append(object([("destination", .string("/sys")), ("type", .string("sysfs")), ("source", .string("sysfs")),
                                  ("options", strings(["nosuid", "noexec", "nodev", "ro"]))]))
            mounts.append(object([("destination", .string("/sys/fs/cgroup")), ("type", .string("cgroup")), ("source", .string("cgroup")),
                                  ("options", strings(["nosuid", "noexec", "nodev", "relatime", "ro"]))]))
        }
        var namespaces = ["pid", "ipc", "uts", "mount", "cgroup"]
        if rootless { namespaces.append("user") } else { namespaces.insert("network", at: 1) }
        var linux: [(String, JSONValue)] = [
            ("namespaces", .array(namespaces.map { object([("type", .string($0))]) })),
            ("maskedPaths", strings(["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                     "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                                     "/proc/scsi"])),
            ("readonlyPaths", strings(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])),
        ]
        if let mappings {
            func ranges(_ list: [IDMapping]) -> JSONValue {
                .array(list.map { object([("containerID", .int($0.containerID)), ("hostID", .int($0.hostID)), ("size", .int($0.size))]) })
            }
            linux.insert(("uidMappings", ranges(mappings.uids)), at: 0)
            linux.insert(("gidMappings", ranges(mappings.gids)), at: 1)
        } else {
            linux.insert(("resources", object([("devices", .array([object([("allow", .bool(false)), ("access", .string("rwm"))])]))])), at: 0)
        }
        return object([
            ("ociVersion", .string(Spec.version)),
            ("process", object([
                ("terminal", .bool(false)),
                ("user", object([("uid", .int(0)), ("gid", .int(0))])),
                ("args", strings(["sh"])),
                ("env", strings(["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"])),
                ("cwd", .string("/")),
                ("capabilities", object(["bounding", "effective", "permitted"].map { ($0, caps) })),
                ("rlimits", .array([object([("type", .string("RLIMIT_NOFILE")), ("hard", .int(1024)), ("soft", .int(1024))])])),
                ("noNewPrivileges", .bool(true)),
            ])),
            ("root", object([("path", .string("rootfs")), ("readonly", .bool(true))])),
            ("hostname", .string("rsrun")),
            ("mounts", .array(mounts)),
            ("linux", object(linux)),
        ])
    }
}
