@testable import Core
import Rootless
import Testing

@Suite("Mount options")
struct MountOptionsTests {
    @Test("each flag option sets its mount(2) flag", arguments: [
        ("ro", MountFlag.rdonly), ("nosuid", MountFlag.nosuid), ("nodev", MountFlag.nodev),
        ("noexec", MountFlag.noexec), ("sync", MountFlag.synchronous), ("dirsync", MountFlag.dirsync),
        ("remount", MountFlag.remount), ("mand", MountFlag.mandlock), ("noatime", MountFlag.noatime),
        ("nodiratime", MountFlag.nodiratime), ("relatime", MountFlag.relatime),
        ("strictatime", MountFlag.strictatime), ("lazytime", MountFlag.lazytime), ("silent", MountFlag.silent),
        ("bind", MountFlag.bind), ("rbind", MountFlag.bind | MountFlag.rec),
        ("nosymfollow", 256), ("iversion", 1 << 23),
    ] as [(String, UInt)])
    func sets(_ option: String, _ flag: UInt) {
        let parsed = MountOptions.parse([option])
        #expect(parsed.flags == flag)
        #expect(parsed.propagation.isEmpty)
        #expect(parsed.data.isEmpty)
    }

    @Test("the opposite option clears what an earlier one set", arguments: [
        ("ro", "rw"), ("nosuid", "suid"), ("nodev", "dev"), ("noexec", "exec"), ("sync", "async"),
        ("mand", "nomand"), ("noatime", "atime"), ("nodiratime", "diratime"), ("relatime", "norelatime"),
        ("strictatime", "nostrictatime"), ("lazytime", "nolazytime"), ("silent", "loud"),
        ("nosymfollow", "symfollow"), ("iversion", "noiversion"),
    ])
    func cancels(_ set: String, _ clear: String) {
        #expect(MountOptions.parse([set, clear]).flags == 0)
        #expect(MountOptions.parse([clear, set]).flags == MountOptions.parse([set]).flags)
        #expect(MountOptions.parse([clear]) == MountOptions.Parsed())
    }

    @Test("the last of ro/rw wins and leaves other flags alone")
    func lastWins() {
        #expect(MountOptions.parse(["nosuid", "ro", "rw", "nodev"]).flags == MountFlag.nosuid | MountFlag.nodev)
        #expect(MountOptions.parse(["rw", "ro"]).flags == MountFlag.rdonly)
        #expect(MountOptions.parse(["rbind", "ro", "nosuid"]).flags
            == MountFlag.bind | MountFlag.rec | MountFlag.rdonly | MountFlag.nosuid)
    }

    @Test("propagation options are collected in order, not or-ed into flags")
    func propagation() {
        let parsed = MountOptions.parse(["shared", "rslave", "private", "runbindable", "rprivate", "rshared", "slave", "unbindable"])
        #expect(parsed.flags == 0)
        #expect(parsed.propagation == [
            MountFlag.shared, MountFlag.slave | MountFlag.rec, MountFlag.private, MountFlag.unbindable | MountFlag.rec,
            MountFlag.private | MountFlag.rec, MountFlag.shared | MountFlag.rec, MountFlag.slave, MountFlag.unbindable,
        ])
    }

    @Test("unknown options are file-system data, passed through in order")
    func data() {
        let parsed = MountOptions.parse(["nosuid", "mode=755", "size=65536k", "newinstance", "ptmxmode=0666"])
        #expect(parsed.flags == MountFlag.nosuid)
        #expect(parsed.data == ["mode=755", "size=65536k", "newinstance", "ptmxmode=0666"])
    }

    @Test("options runtimes accept but mount(2) does not take are dropped",
          arguments: ["defaults", "copy-symlink"])
    func ignored(_ option: String) {
        #expect(MountOptions.parse([option, "mode=1777"]) == MountOptions.Parsed(flags: 0, propagation: [], data: ["mode=1777"]))
    }

    @Test("options are case-sensitive: RO is data")
    func caseSensitive() {
        #expect(MountOptions.parse(["RO"]).data == ["RO"])
        #expect(MountOptions.parse(["RO"]).flags == 0)
    }

    @Test("rootfsPropagation defaults to rprivate")
    func rootDefault() throws {
        #expect(try MountOptions.rootPropagation(nil) == MountFlag.private | MountFlag.rec)
        #expect(try MountOptions.rootPropagation("") == MountFlag.private | MountFlag.rec)
    }

    @Test("rootfsPropagation values", arguments: [
        ("shared", MountFlag.shared), ("slave", MountFlag.slave), ("private", MountFlag.private),
        ("unbindable", MountFlag.unbindable), ("rshared", MountFlag.shared | MountFlag.rec),
        ("rslave", MountFlag.slave | MountFlag.rec), ("rprivate", MountFlag.private | MountFlag.rec),
        ("runbindable", MountFlag.unbindable | MountFlag.rec),
    ] as [(String, UInt)])
    func rootValues(_ value: String, _ flags: UInt) throws {
        #expect(try MountOptions.rootPropagation(value) == flags)
    }

    @Test("rootfsPropagation rejects anything but a propagation", arguments: ["ro", "rbind", "bogus", "mode=755", "Shared"])
    func rootErrors(_ value: String) {
        let error = #expect(throws: RuntimeError.self) { try MountOptions.rootPropagation(value) }
        #expect(error?.description == "linux.rootfsPropagation: unknown propagation \"\(value)\"")
    }

    @Test("every spec rootfsPropagation value is in the table")
    func specValuesCovered() throws {
        for value in Spec.RootfsPropagation.allCases {
            _ = try MountOptions.rootPropagation(value.rawValue)
        }
    }

    @Test("recursive attributes set and clear mount_setattr bits; the last word on a bit wins", arguments: [
        (["rro"], MountAttribute.readonly, UInt64(0)), (["rrw"], 0, MountAttribute.readonly),
        (["rnosuid"], MountAttribute.nosuid, 0), (["rsuid"], 0, MountAttribute.nosuid),
        (["rnodev"], MountAttribute.nodev, 0), (["rdev"], 0, MountAttribute.nodev),
        (["rnoexec"], MountAttribute.noexec, 0), (["rexec"], 0, MountAttribute.noexec),
        (["rnodiratime"], MountAttribute.nodiratime, 0), (["rdiratime"], 0, MountAttribute.nodiratime),
        (["rnosymfollow"], MountAttribute.nosymfollow, 0), (["rsymfollow"], 0, MountAttribute.nosymfollow),
        (["rro", "rrw"], 0, MountAttribute.readonly), (["rrw", "rro"], MountAttribute.readonly, 0),
        (["rro", "rnosuid", "rsuid"], MountAttribute.readonly, MountAttribute.nosuid),
    ] as [([String], UInt64, UInt64)])
    func recursive(_ options: [String], _ set: UInt64, _ clear: UInt64) {
        let parsed = MountOptions.parse(options)
        #expect(parsed.recursiveAttributes == RecursiveAttributes(attrSet: set, attrClear: clear))
        #expect(parsed.flags == 0 && parsed.data.isEmpty)
    }

    @Test("an atime option sets the whole atime field, as mount_setattr requires", arguments: [
        ("rnoatime", MountAttribute.noatime), ("rstrictatime", MountAttribute.strictatime),
        ("rrelatime", MountAttribute.relatime), ("ratime", MountAttribute.relatime),
        ("rnostrictatime", MountAttribute.relatime), ("rnorelatime", MountAttribute.strictatime),
    ])
    func atime(_ option: String, _ mode: UInt64) {
        #expect(MountOptions.parse([option]).recursiveAttributes == RecursiveAttributes(attrSet: mode, attrClear: MountAttribute.atimeMask))
        // A later atime option replaces an earlier one; other bits stay.
        let parsed = MountOptions.parse(["rnoatime", "rro", option])
        #expect(parsed.recursiveAttributes == RecursiveAttributes(attrSet: mode | MountAttribute.readonly, attrClear: MountAttribute.atimeMask))
    }

    @Test("tmpcopyup is recorded, not passed as data")
    func copyUp() {
        let parsed = MountOptions.parse(["tmpcopyup", "mode=755"])
        #expect(parsed.copyUp && parsed.data == ["mode=755"])
    }

    @Test("the option names cover runc's features list")
    func names() {
        let runc = ["async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "iversion", "lazytime", "loud", "mand",
                    "noatime", "nodev", "nodiratime", "noexec", "noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime",
                    "nosuid", "nosymfollow", "private", "ratime", "rbind", "rdev", "rdiratime", "relatime", "remount", "rexec",
                    "rnoatime", "rnodev", "rnodiratime", "rnoexec", "rnorelatime", "rnostrictatime", "rnosuid", "rnosymfollow", "ro",
                    "rprivate", "rrelatime", "rro", "rrw", "rshared", "rslave", "rstrictatime", "rsuid", "rsymfollow", "runbindable",
                    "rw", "shared", "silent", "slave", "strictatime", "suid", "symfollow", "sync", "tmpcopyup", "unbindable",
                    "idmap", "ridmap"]
        #expect(Set(runc).subtracting(MountOptions.names).isEmpty, "\(Set(runc).subtracting(MountOptions.names))")
    }
}
