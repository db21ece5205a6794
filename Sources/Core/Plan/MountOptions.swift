import Glibc
import Rootless

/// The table from `mounts[].options` strings to mount(2) flags. Anything not in the table is
/// file-system data (`mode=755`, `size=65536k`, `newinstance`) passed through as text.
public enum MountOptions {
    public enum Effect: Sendable, Equatable {
        case set(UInt)
        case clear(UInt)
        case propagation(UInt)
    }

    static let recursive = UInt(MS_REC)

    public static let table: [String: Effect] = [
        "ro": .set(UInt(MS_RDONLY)), "rw": .clear(UInt(MS_RDONLY)),
        "nosuid": .set(UInt(MS_NOSUID)), "suid": .clear(UInt(MS_NOSUID)),
        "nodev": .set(UInt(MS_NODEV)), "dev": .clear(UInt(MS_NODEV)),
        "noexec": .set(UInt(MS_NOEXEC)), "exec": .clear(UInt(MS_NOEXEC)),
        "sync": .set(UInt(MS_SYNCHRONOUS)), "async": .clear(UInt(MS_SYNCHRONOUS)),
        "dirsync": .set(UInt(MS_DIRSYNC)),
        "remount": .set(UInt(MS_REMOUNT)),
        "mand": .set(UInt(MS_MANDLOCK)), "nomand": .clear(UInt(MS_MANDLOCK)),
        "atime": .clear(UInt(MS_NOATIME)), "noatime": .set(UInt(MS_NOATIME)),
        "diratime": .clear(UInt(MS_NODIRATIME)), "nodiratime": .set(UInt(MS_NODIRATIME)),
        "relatime": .set(UInt(MS_RELATIME)), "norelatime": .clear(UInt(MS_RELATIME)),
        "strictatime": .set(UInt(MS_STRICTATIME)), "nostrictatime": .clear(UInt(MS_STRICTATIME)),
        "lazytime": .set(UInt(MS_LAZYTIME)), "nolazytime": .clear(UInt(MS_LAZYTIME)),
        "silent": .set(UInt(MS_SILENT)), "loud": .clear(UInt(MS_SILENT)),
        "bind": .set(UInt(MS_BIND)), "rbind": .set(UInt(MS_BIND) | recursive),
        "private": .propagation(UInt(MS_PRIVATE)), "rprivate": .propagation(UInt(MS_PRIVATE) | recursive),
        "shared": .propagation(UInt(MS_SHARED)), "rshared": .propagation(UInt(MS_SHARED) | recursive),
        "slave": .propagation(UInt(MS_SLAVE)), "rslave": .propagation(UInt(MS_SLAVE) | recursive),
        "unbindable": .propagation(UInt(MS_UNBINDABLE)), "runbindable": .propagation(UInt(MS_UNBINDABLE) | recursive),
    ]

    /// Options that runtimes accept but that are not mount(2) arguments: dropped.
    static let ignored: Set<String> = ["tmpcopyup", "defaults", "copy-symlink"]
    /// Idmapped-mount options: not mount(2) data; MountIDMapping reads them from the option list.
    static let idmapped: Set<String> = ["idmap", "ridmap"]

    public struct Parsed: Sendable, Equatable {
        public var flags: UInt = 0
        public var propagation: [UInt] = []
        public var data: [String] = []
        /// `rro`: read-only down the whole tree of submounts (mount_setattr AT_RECURSIVE).
        public var recursiveReadonly = false
        public var idmap: String?
    }

    public static func parse(_ options: [String]) -> Parsed {
        var out = Parsed()
        for option in options {
            if ignored.contains(option) { continue }
            if option == "rro" { out.recursiveReadonly = true; continue }
            if idmapped.contains(option) || option.hasPrefix("idmap=") || option.hasPrefix("ridmap=") { out.idmap = option; continue }
            switch table[option] {
            case .set(let f): out.flags |= f
            case .clear(let f): out.flags &= ~f
            case .propagation(let f): out.propagation.append(f)
            case nil: out.data.append(option)
            }
        }
        return out
    }

    /// rootfsPropagation values; the default is rprivate so nothing leaks back to the host.
    public static func rootPropagation(_ value: String?) throws -> UInt {
        guard let value, !value.isEmpty else { return UInt(MS_PRIVATE) | recursive }
        guard case .propagation(let flags)? = table[value] else {
            throw RuntimeError(path: "linux.rootfsPropagation", "unknown propagation \"\(value)\"")
        }
        return flags
    }
}
