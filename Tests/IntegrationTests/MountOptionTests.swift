// Mount options that act after or around mount(2): recursive attributes (mount_setattr with
// AT_RECURSIVE), tmpcopyup, and linux.rootfsPropagation, checked through what the container
// sees and, for propagation, through a mount made on the host while it runs.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Harness {
    /// A directory of the sandbox with a tmpfs mounted on `<dir>/sub` (mode 1777), removed by
    /// the returned closure. The test process is root in every mode, so it can mount.
    func directoryWithSubmount(_ name: String) throws -> (path: String, unmount: () -> Void) {
        let dir = "\(sandbox)/\(name)"
        try makeDirectory(dir)
        try makeDirectory(dir + "/sub", mode: 0o1777)
        guard mount("tmpfs", dir + "/sub", "tmpfs", 0, "mode=1777,size=1m") == 0 else {
            throw HarnessError("mount tmpfs on \(dir)/sub: \(String(cString: strerror(errno)))")
        }
        return (dir, { umount2(dir + "/sub", Int32(MNT_DETACH)) })
    }

    func bindMount(_ source: String, at destination: String, options: [String]) -> [String: Any] {
        ["destination": destination, "type": "bind", "source": source, "options": options]
    }
}

extension IntegrationTests {
    @Suite struct MountOptionBehaviour {
        @Test("rro makes a nested submount read-only; ro alone leaves it writable", arguments: Mode.allCases)
        func recursiveReadonly(_ mode: Mode) throws {
            let h = try Harness(mode, "rro")
            defer { h.cleanup() }
            let (dir, unmount) = try h.directoryWithSubmount("vol")
            defer { unmount() }
            let script = "for t in /ro/sub/a /rro/sub/b /rro/c; do touch $t 2>/dev/null && echo $t=ok || echo $t=refused; done"
            var config = h.config(["sh", "-c", script])
            config.addMount(h.bindMount(dir, at: "/ro", options: ["rbind", "ro"]))
            config.addMount(h.bindMount(dir, at: "/rro", options: ["rbind", "rro"]))
            let run = h.rsrun("run", "-b", try h.bundle(config), h.newID("rro"))
            #expect(run.ok, "\(run)")
            // ro is the bind's own flag, as in runc; rro goes down to the submount.
            #expect(run.stdout == "/ro/sub/a=ok\n/rro/sub/b=refused\n/rro/c=refused\n", "\(run)")
            #expect(fileExists(dir + "/sub/a"), "the write through the plain ro bind's submount did not land")
            #expect(!fileExists(dir + "/sub/b"))
        }

        @Test("rnosuid, rnodev, rnoexec, rnoatime and rnosymfollow reach the submount", arguments: [Mode.root, Mode.user])
        func recursiveAttributes(_ mode: Mode) throws {
            let h = try Harness(mode, "rattr")
            defer { h.cleanup() }
            let (dir, unmount) = try h.directoryWithSubmount("vol")
            defer { unmount() }
            // The fifth field of mountinfo holds the per-mount options.
            var config = h.config(["sh", "-c", "while read -r a b c d mp opts rest; do [ \"$mp\" = /v/sub ] && echo \"$opts\"; done < /proc/self/mountinfo; true"])
            // In a user namespace the kernel locks the atime mode of a mount the host made, so the
            // unprivileged case leaves it alone (mount_setattr would fail with EPERM).
            let atime = mode == .root ? ["rnoatime"] : []
            config.addMount(h.bindMount(dir, at: "/v", options: ["rbind", "rnosuid", "rnodev", "rnoexec", "rnosymfollow"] + atime))
            let run = h.rsrun("run", "-b", try h.bundle(config), h.newID("rattr"))
            #expect(run.ok, "\(run)")
            let options = Set(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init))
            for wanted in ["nosuid", "nodev", "noexec", "nosymfollow"] + (mode == .root ? ["noatime"] : []) {
                #expect(options.contains(wanted), "/v/sub lacks \(wanted): \(run.stdout)")
            }
        }

        @Test("tmpcopyup keeps the image's files under the new tmpfs, even a read-only one", arguments: Mode.allCases)
        func tmpcopyup(_ mode: Mode) throws {
            let h = try Harness(mode, "copyup")
            defer { h.cleanup() }
            let passwd = try #require(readText(Env.rootfs + "/etc/passwd"))
            var config = h.config(["sh", "-c", "cat /etc/passwd; echo x > /etc/written && echo wrote; grep -c ' /etc tmpfs ' /proc/mounts; [ -L /etc/mtab ] || [ ! -e /srv/ro/mtab ] && echo ok; touch /srv/ro/x 2>/dev/null || echo ro-refused; cat /srv/ro/passwd | head -1"])
            config.addMount(["destination": "/etc", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "mode=755"]])
            config.addMount(["destination": "/srv/ro", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "ro"]])
            // /srv/ro covers nothing in the image: tmpcopyup of a missing directory copies nothing.
            let run = h.rsrun("run", "-b", try h.bundle(config), h.newID("copyup"))
            #expect(run.ok, "\(run)")
            #expect(run.stdout.hasPrefix(passwd), "the image's /etc/passwd is not under the tmpfs: \(run)")
            #expect(run.stdout.contains("wrote\n1\n"), "\(run)")
            #expect(run.stdout.contains("ro-refused"), "\(run)")
            #expect(!fileExists(Env.rootfs + "/etc/written"), "the write went to the image")
        }

        @Test("rootfsPropagation: a mount the host makes under a shared volume appears inside with rshared and rslave, not with the default rprivate")
        func sharedVolume() throws {
            for propagation in ["rshared", "rslave", "shared", nil] as [String?] {
                let h = try Harness(.root, "rshared")
                defer { h.cleanup() }
                let volume = "\(h.sandbox)/vol"
                try h.makeDirectory(volume)
                try #require(mount(volume, volume, nil, UInt(MS_BIND), nil) == 0, "bind \(volume): \(errno)")
                defer { umount2(volume, Int32(MNT_DETACH)) }
                try #require(mount(nil, volume, nil, UInt(MS_SHARED), nil) == 0)
                var config = h.config(["sleep", "100"])
                if let propagation { config.set("linux.rootfsPropagation", propagation) }
                config.addMount(h.bindMount(volume, at: "/vol", options: ["rbind"] + (propagation == "rshared" ? ["rshared"] : [])))
                let id = try h.runDetached(config, "rshared")
                try h.makeDirectory(volume + "/late")
                try #require(mount("tmpfs", volume + "/late", "tmpfs", 0, "size=1m") == 0)
                defer { umount2(volume + "/late", Int32(MNT_DETACH)) }
                try Data("seen".utf8).write(to: URL(fileURLWithPath: volume + "/late/marker"))
                let inside = h.rsrun("exec", id, "cat", "/vol/late/marker")
                if propagation == nil {
                    #expect(!inside.ok, "rprivate let the host's mount in: \(inside)")
                } else {
                    #expect(inside.ok && inside.stdout == "seen", "\(propagation!): \(inside)")
                }
                // The container's own mounts never show up on the host, whatever the propagation.
                #expect(!(readText("/proc/self/mountinfo") ?? "").contains(id), "a mount of \(id) reached the host")
                #expect(h.rsrun("delete", "-f", id).ok)
            }
        }

        @Test("every rootfsPropagation value runs, and unbindable leaves / unbindable", arguments: ["private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable"])
        func rootfsPropagationValues(_ value: String) throws {
            let h = try Harness(.root, "rootprop")
            defer { h.cleanup() }
            var config = h.config(["sh", "-c", "while read -r a b c d mp opts rest; do [ \"$mp\" = / ] && echo \"${rest%% - *}\"; done < /proc/self/mountinfo; true"])
            config.set("linux.rootfsPropagation", value)
            let run = h.rsrun("run", "-b", try h.bundle(config), h.newID("rootprop"))
            #expect(run.ok, "\(run)")
            let expected = ["shared": "shared:", "rshared": "shared:", "unbindable": "unbindable", "runbindable": "unbindable"][value]
            if let expected { #expect(run.stdout.contains(expected), "\(value): / shows \(run.stdout)") }
            if value.hasSuffix("private") { #expect(!run.stdout.contains("shared:") && !run.stdout.contains("master:"), "\(run)") }
        }

        @Test("bad input: an unknown rootfsPropagation and an unknown propagation in an option list fail cleanly", arguments: [Mode.root, Mode.user])
        func badPropagation(_ mode: Mode) throws {
            let h = try Harness(mode, "badprop")
            defer { h.cleanup() }
            var config = h.config(["true"])
            config.set("linux.rootfsPropagation", "rsharedd")
            let id = h.newID("badprop")
            let run = h.rsrun("run", "-b", try h.bundle(config), id)
            expectOneLineError(run)
            #expect(run.stderr.contains("linux.rootfsPropagation"), "\(run)")
            expectNothingLeft(h, id: id)
        }
    }
}
