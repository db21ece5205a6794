import Glibc
import Rootless

/// The table from `mounts[].options` strings to mount(2) flags, mount_setattr(2) attributes
/// and the few options that are rsrun's to act on. Anything not in the table is file-system
/// data (`mode=755`, `size=65536k`, `newinstance`) passed through as text.
public enum MountOptions {
    public enum Effect: Sendable, Equatable {
        case set(UInt)
        case clear(UInt)
        case propagation(UInt)
        /// An attribute of the whole tree of submounts (mount_setattr with AT_RECURSIVE).
        case recursive(RecursiveAttributes)
    }

    static let recursive = UInt(MS_REC)
    /// Glibc's module hides these two (they need _GNU_SOURCE); values from linux/mount.h.
    static let noSymfollow: UInt = 256
    static let iVersion: UInt = 1 << 23

    public static let table: [String: Effect] = flagTable.merging(recursiveTable.mapValues { .recursive($0) }) { a, _ in a }

    static let flagTable: [String: Effect] = [
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
        "iversion": .set(iVersion), "noiversion": .clear(iVersion),
        "nosymfollow": .set(noSymfollow), "symfollow": .clear(noSymfollow),
        "silent": .set(UInt(MS_SILENT)), "loud": .clear(UInt(MS_SILENT)),
        "bind": .set(UInt(MS_BIND)), "rbind": .set(UInt(MS_BIND) | recursive),
        "private": .propagation(UInt(MS_PRIVATE)), "rprivate": .propagation(UInt(MS_PRIVATE) | recursive),
        "shared": .propagation(UInt(MS_SHARED)), "rshared": .propagation(UInt(MS_SHARED) | recursive),
        "slave": .propagation(UInt(MS_SLAVE)), "rslave": .propagation(UInt(MS_SLAVE) | recursive),
        "unbindable": .propagation(UInt(MS_UNBINDABLE)), "runbindable": .propagation(UInt(MS_UNBINDABLE) | recursive),
    ]

    /// The recursive spellings. The access-time mode is one three-valued field for
    /// mount_setattr: each atime option picks a value for it; the "no" forms of an atime
    /// mode fall back to the kernel's default, relatime, except `rnorelatime`, which can only
    /// mean updating on every access.
    static let recursiveTable: [String: RecursiveAttributes] = {
        typealias A = MountAttribute
        let on = { (attr: UInt64) in RecursiveAttributes(attrSet: attr, attrClear: 0) }
        let off = { (attr: UInt64) in RecursiveAttributes(attrSet: 0, attrClear: attr) }
        let atime = { (mode: UInt64) in RecursiveAttributes(attrSet: mode, attrClear: A.atimeMask) }
        return [
            "rro": on(A.readonly), "rrw": off(A.readonly),
            "rnosuid": on(A.nosuid), "rsuid": off(A.nosuid),
            "rnodev": on(A.nodev), "rdev": off(A.nodev),
            "rnoexec": on(A.noexec), "rexec": off(A.noexec),
            "rnodiratime": on(A.nodiratime), "rdiratime": off(A.nodiratime),
            "rnosymfollow": on(A.nosymfollow), "rsymfollow": off(A.nosymfollow),
            "rrelatime": atime(A.relatime), "rnoatime": atime(A.noatime), "rstrictatime": atime(A.strictatime),
            "ratime": atime(A.relatime), "rnostrictatime": atime(A.relatime), "rnorelatime": atime(A.strictatime),
        ]
    }()

    /// `defaults` asks for no flag at all (rw, suid, dev, exec, async are the kernel's
    /// defaults already): dropped, and rightly claimed as understood.
    static let ignored: Set<String> = ["defaults"]
    /// crun's `copy-symlink` (copy a symlink source instead of mounting it): accepted so a
    /// config written for crun loads, but rsrun does not do it, so `names` leaves it out.
    static let acceptedNotApplied: Set<String> = ["copy-symlink"]
    /// Idmapped-mount options: not mount(2) data; MountIDMapping reads them from the option list.
    static let idmapped: Set<String> = ["idmap", "ridmap"]
    /// A tmpfs that starts with a copy of what the image has at its destination.
    static let copyUp = "tmpcopyup"
    /// Every option name rsrun acts on, for `rsrun features`.
    public static let names: [String] = (Array(table.keys) + Array(ignored) + Array(idmapped) + [copyUp]).sorted()

    public struct Parsed: Sendable, Equatable {
        public var flags: UInt = 0
        public var propagation: [UInt] = []
        public var data: [String] = []
        /// `rro`, `rnosuid`, ...: applied down the whole tree of submounts.
        public var recursiveAttributes = RecursiveAttributes()
        /// `tmpcopyup`: the tmpfs starts with a copy of what the image has at its destination.
        public var copyUp = false
        public var idmap: String?
    }

    public static func parse(_ options: [String]) -> Parsed {
        var out = Parsed()
        for option in options {
            if ignored.contains(option) || acceptedNotApplied.contains(option) { continue }
            if option == copyUp { out.copyUp = true; continue }
            if idmapped.contains(option) || option.hasPrefix("idmap=") || option.hasPrefix("ridmap=") { out.idmap = option; continue }
            switch table[option] {
            case .set(let f): out.flags |= f
            case .clear(let f): out.flags &= ~f
            case .propagation(let f): out.propagation.append(f)
            case .recursive(let attributes): out.recursiveAttributes.add(attributes)
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

/// mount_setattr(2) attributes (linux/mount.h), which Swift cannot see.
enum MountAttribute {
    static let readonly: UInt64 = 0x1
    static let nosuid: UInt64 = 0x2
    static let nodev: UInt64 = 0x4
    static let noexec: UInt64 = 0x8
    static let atimeMask: UInt64 = 0x70
    static let relatime: UInt64 = 0x0
    static let noatime: UInt64 = 0x10
    static let strictatime: UInt64 = 0x20
    static let nodiratime: UInt64 = 0x80
    static let idmap: UInt64 = 0x0010_0000
    static let nosymfollow: UInt64 = 0x0020_0000
}

/// What one mount_setattr(AT_RECURSIVE) call sets and clears; later options win.
public struct RecursiveAttributes: Sendable, Equatable {
    public var attrSet: UInt64 = 0
    public var attrClear: UInt64 = 0

    public var isEmpty: Bool { attrSet == 0 && attrClear == 0 }

    mutating func add(_ other: RecursiveAttributes) {
        // An atime option replaces the whole atime field, so an earlier one is forgotten.
        if other.attrClear & MountAttribute.atimeMask == MountAttribute.atimeMask {
            attrSet &= ~MountAttribute.atimeMask
        }
        attrSet = (attrSet & ~other.attrClear) | other.attrSet
        attrClear = (attrClear & ~other.attrSet) | other.attrClear
    }
}
