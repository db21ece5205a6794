// Idmapped bind mounts (mounts[].uidMappings/gidMappings, the idmap and ridmap options).
//
// A range {containerID, hostID, size} is written to the mapping user namespace as it stands,
// as runc and crun write it: a file the source's file system records as owned by containerID
// shows as hostID (as the container sees that host id). So a host directory owned by 1000
// shows as root in a container without a user namespace through {containerID: 1000, hostID: 0}.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Harness {
    /// A directory in the sandbox holding `f`, both owned by `uid`:`gid` (root mode only).
    func ownedDirectory(_ name: String, uid: UInt32, gid: UInt32) throws -> String {
        let dir = "\(sandbox)/\(name)"
        guard mkdir(dir, 0o755) == 0, FileManager.default.createFile(atPath: dir + "/f", contents: Data()) else {
            throw HarnessError("cannot make \(dir)")
        }
        guard chown(dir, uid, gid) == 0, chown(dir + "/f", uid, gid) == 0 else { throw HarnessError("cannot chown \(dir)") }
        return dir
    }

    /// `script` under sh with a tmpfs /tmp (the shared rootfs is read-only: mount points go there).
    func tmpConfig(_ script: String) -> Config {
        var config = self.config(["sh", "-c", script])
        config.addMount(["destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]])
        return config
    }
}

/// `uid:gid` of a host file.
func owner(_ path: String) -> String? {
    var st = stat()
    return stat(path, &st) == 0 ? "\(st.st_uid):\(st.st_gid)" : nil
}

func ranges(_ containerID: Int, _ hostID: Int, _ size: Int) -> [[String: Any]] {
    [["containerID": containerID, "hostID": hostID, "size": size]]
}

extension IntegrationTests {
    @Suite struct IDMappedMounts {
        @Test("root, no user namespace: a host directory owned by 1000, mapped {1000 -> 0}, is root's inside; what root writes lands as 1000")
        func acceptance() throws {
            let h = try Harness(.root, "idmap")
            defer { h.cleanup() }
            let data = try h.ownedDirectory("data", uid: 1000, gid: 1000)
            var config = h.tmpConfig("stat -c %u:%g /tmp/data/f; touch /tmp/data/new && stat -c %u:%g /tmp/data/new; grep -c ' /tmp/data .*idmapped' /proc/self/mountinfo")
            config.addMount(["destination": "/tmp/data", "type": "bind", "source": data, "options": ["bind", "idmap"],
                             "uidMappings": ranges(1000, 0, 1), "gidMappings": ranges(1000, 0, 1)])
            let id = h.newID("idmap")
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && fieldsPerLine(result.stdout) == ["0:0", "0:0", "1"], "\(result)")
            #expect(owner(data + "/new") == "1000:1000")
            #expect(owner(data + "/f") == "1000:1000")
            expectNothingLeft(h, id: id)
        }

        @Test("root: bare idmap in a container that joins another's user namespace takes that namespace's maps")
        func bareWithJoinedUserNamespace() throws {
            let h = try Harness(.root, "idmapjoin")
            defer { h.cleanup() }
            let rootOwned = try h.ownedDirectory("rootdata", uid: 0, gid: 0)
            var first = h.config(["sleep", "100"])
            first.addUserNamespace(uid: 100_000, gid: 100_000)
            first.set("linux.uidMappings", ranges(0, 100_000, 65536))
            first.set("linux.gidMappings", ranges(0, 100_000, 65536))
            let other = try h.runDetached(first, "idmapjoin")
            var config = h.tmpConfig("stat -c %u:%g /tmp/bare/f; touch /tmp/bare/new && stat -c %u:%g /tmp/bare/new")
            config.join("user", at: "/proc/\(h.statePid(other))/ns/user")
            config.remove("linux.uidMappings")
            config.remove("linux.gidMappings")
            config.addMount(["destination": "/tmp/bare", "type": "bind", "source": rootOwned, "options": ["bind", "idmap"]])
            let id = h.newID("idmapjoin")
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && fieldsPerLine(result.stdout) == ["0:0", "0:0"], "\(result)")
            #expect(owner(rootOwned + "/new") == "0:0")
            expectNothingLeft(h, id: id)
        }

        @Test("root, user namespace 0 -> 100000: {1000 -> 100000} shows a 1000-owned directory as root's; bare idmap a root-owned one, which a plain bind shows as nobody's")
        func withUserNamespace() throws {
            let h = try Harness(.root, "idmapns")
            defer { h.cleanup() }
            let data = try h.ownedDirectory("data", uid: 1000, gid: 1000)
            let rootOwned = try h.ownedDirectory("rootdata", uid: 0, gid: 0)
            var config = h.tmpConfig("""
                stat -c %u:%g /tmp/data/f; touch /tmp/data/new && stat -c %u:%g /tmp/data/new
                stat -c %u:%g /tmp/bare/f; touch /tmp/bare/new && stat -c %u:%g /tmp/bare/new
                stat -c %u:%g /tmp/plain/f
                """)
            config.addUserNamespace(uid: 100_000, gid: 100_000)
            config.set("linux.uidMappings", ranges(0, 100_000, 65536))
            config.set("linux.gidMappings", ranges(0, 100_000, 65536))
            config.addMount(["destination": "/tmp/data", "type": "bind", "source": data, "options": ["rbind"],
                             "uidMappings": ranges(1000, 100_000, 1), "gidMappings": ranges(1000, 100_000, 1)])
            config.addMount(["destination": "/tmp/bare", "type": "bind", "source": rootOwned, "options": ["bind", "idmap"]])
            config.addMount(["destination": "/tmp/plain", "type": "bind", "source": rootOwned, "options": ["bind"]])
            let id = h.newID("idmapns")
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            let overflow = (readText("/proc/sys/kernel/overflowuid") ?? "65534").trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(result.ok && fieldsPerLine(result.stdout) == ["0:0", "0:0", "0:0", "0:0", "\(overflow):\(overflow)"], "\(result)")
            #expect(owner(data + "/new") == "1000:1000")
            #expect(owner(rootOwned + "/new") == "0:0")
            expectNothingLeft(h, id: id)
        }

        @Test("root: the idmap=uids=...;gids=... option, with ro: mapped, read-only, both in mountinfo")
        func optionSyntaxReadOnly() throws {
            let h = try Harness(.root, "idmapopt")
            defer { h.cleanup() }
            let data = try h.ownedDirectory("data", uid: 1000, gid: 2000)
            var config = h.tmpConfig("""
                stat -c %u:%g /tmp/data/f; touch /tmp/data/new 2>/dev/null && echo wrote || echo refused
                grep ' /tmp/data ' /proc/self/mountinfo | cut -d' ' -f6 | tr , '\\n' | grep -E '^(ro|idmapped)$'
                """)
            config.addMount(["destination": "/tmp/data", "type": "bind", "source": data,
                             "options": ["bind", "ro", "nosuid", "idmap=uids=1000-0-1#0-1-1;gids=2000-0-1"]])
            let id = h.newID("idmapopt")
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && fieldsPerLine(result.stdout) == ["0:0", "refused", "ro", "idmapped"], "\(result)")
            #expect(!fileExists(data + "/new"))
            expectNothingLeft(h, id: id)
        }

        @Test("root: rbind with idmap maps only the top mount, with ridmap the submount too")
        func recursive() throws {
            let h = try Harness(.root, "ridmap")
            defer { h.cleanup() }
            let data = try h.ownedDirectory("data", uid: 1000, gid: 1000)
            let other = try h.ownedDirectory("other", uid: 1000, gid: 1000)
            let sub = data + "/sub"
            mkdir(sub, 0o755)
            guard mount(other, sub, nil, UInt(MS_BIND), nil) == 0 else { throw HarnessError("bind \(other) on \(sub): \(errno)") }
            defer { umount2(sub, Int32(MNT_DETACH)) }
            for (option, expected) in [("idmap", ["0:0", "1000:1000"]), ("ridmap", ["0:0", "0:0"])] {
                var config = h.tmpConfig("stat -c %u:%g /tmp/data/f /tmp/data/sub/f")
                config.addMount(["destination": "/tmp/data", "type": "bind", "source": data, "options": ["rbind", option],
                                 "uidMappings": ranges(1000, 0, 1), "gidMappings": ranges(1000, 0, 1)])
                let result = h.rsrun(["run", "-b", try h.bundle(config), h.newID(option)])
                #expect(result.ok && fieldsPerLine(result.stdout) == expected, "\(option): \(result)")
            }
        }

        @Test("rootless: a file system mounted inside the container can be idmapped (its tmpfs, bound through the rootfs path)")
        func rootlessInsideContainer() throws {
            let h = try Harness(.user, "idmapuser")
            defer { h.cleanup() }
            try h.requireWideMaps()
            let range = Env.subidRange!
            // wideConfig mounts a tmpfs at /tmp: before pivot_root <rootfs>/tmp is that tmpfs. Host id
            // range.start + 999 is container id 1000: the tmpfs's root-owned files show as 1000.
            var config = h.wideConfig("touch /tmp/x; stat -c %u:%g /home/x; grep -c ' /home .*idmapped' /proc/self/mountinfo")
            let host = Int(range.start) + 999
            config.addMount(["destination": "/home", "type": "bind", "source": Env.rootfs + "/tmp",
                             "options": ["bind", "idmap=uids=0-\(host)-1;gids=0-\(host)-1"]])
            let id = h.newID("idmapuser")
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && fieldsPerLine(result.stdout) == ["1000:1000", "1"], "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("rootless: idmapping a host directory is refused by the kernel; the error says idmapping is not supported there",
              arguments: [Mode.user, .userns, .usernsSubids])
        func rootlessHostRefused(_ mode: Mode) throws {
            let h = try Harness(mode, "idmaphost")
            defer { h.cleanup() }
            let data = "\(h.sandbox)/data"
            try h.makeDirectory(data)
            var config = h.tmpConfig("true")
            // In user mode the container's map is the caller's own id; under unshare the caller's 0.
            let option = mode == .user ? "idmap" : "idmap=uids=0-0-1;gids=0-0-1"
            config.addMount(["destination": "/tmp/data", "type": "bind", "source": data, "options": ["bind", option]])
            let id = h.newID("idmaphost")
            var result = h.rsrun(["create", "-b", try h.bundle(config), id])
            result.stderr = h.withoutCgroupWarning(result.stderr)
            expectOneLineError(result)
            #expect(result.stderr.contains("mounts[7]: idmapped mount of \(data): the file system or mode does not support idmapped mounts ("),
                    "\(result)")
            #expect(result.stderr.contains("Operation not permitted"), "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("bad idmapped mounts fail before anything exists, with one line naming the field", arguments: Mode.allCases, [
            (["bind", "idmap=uids=0-1000;gids=0-1000-1"], nil, "mounts[7].options: idmap=uids=0-1000;gids=0-1000-1: range \"0-1000\" is not"),
            (["bind", "idmap=uids=x-1-1;gids=0-1-1"], nil, "range \"x-1-1\" is not file-system-id-host-id-size"),
            (["bind", "idmap=uids=0-1-10#5-100-10;gids=0-0-1"], nil, "uids=: container ids 5-14 overlap"),
            (["bind", "idmap=oops"], nil, "unknown part \"oops\""),
            (["idmap=uids=0-0-1;gids=0-0-1"], "tmpfs", "mounts[7].options: idmapped mounts apply only to bind mounts"),
            (["bind", "idmap=uids=0-0-1;gids=0-0-1", "ridmap=uids=0-0-1;gids=0-0-1"], nil, "both give ranges"),
            (["bind", "uidonly"], nil, "mounts[7].gidMappings: required along with uidMappings"),
        ] as [([String], String?, String)])
        func badInput(_ mode: Mode, _ bad: ([String], String?, String)) throws {
            let (options, type, message) = bad
            let h = try Harness(mode, "idmapbad")
            defer { h.cleanup() }
            let data = "\(h.sandbox)/data"
            try h.makeDirectory(data)
            var config = h.tmpConfig("true")
            var mount: [String: Any] = ["destination": "/tmp/data", "type": type ?? "bind", "source": type == nil ? data : "tmpfs",
                                        "options": options.filter { $0 != "uidonly" }]
            if options.contains("uidonly") { mount["uidMappings"] = ranges(0, 0, 1) }
            config.addMount(mount)
            let id = h.newID("idmapbad")
            let result = h.rsrun(["create", "-b", try h.bundle(config), id])
            expectOneLineError(result)
            #expect(result.stderr.contains(message), "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("root: a file system that cannot be idmapped (procfs) is refused with the reason and EINVAL")
        func unsupportedFileSystem() throws {
            let h = try Harness(.root, "idmapproc")
            defer { h.cleanup() }
            var config = h.tmpConfig("true")
            config.addMount(["destination": "/tmp/data", "type": "bind", "source": "/proc", "options": ["rbind", "idmap=uids=0-0-1;gids=0-0-1"]])
            let id = h.newID("idmapproc")
            let result = h.rsrun(["create", "-b", try h.bundle(config), id])
            expectOneLineError(result)
            #expect(result.stderr.contains("mounts[7]: idmapped mount of /proc: the file system or mode does not support idmapped mounts "
                + "(its file system type cannot be idmapped on this kernel"), "\(result)")
            #expect(result.stderr.contains("Invalid argument"), "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("root: idmap with no ranges and no user namespace is an error, as the spec requires")
        func bareWithoutUserNamespace() throws {
            let h = try Harness(.root, "idmapbare")
            defer { h.cleanup() }
            var config = h.tmpConfig("true")
            config.addMount(["destination": "/tmp/data", "type": "bind", "source": h.sandbox, "options": ["bind", "idmap"]])
            let id = h.newID("idmapbare")
            let result = h.rsrun(["create", "-b", try h.bundle(config), id])
            expectOneLineError(result)
            #expect(result.stderr.contains("mounts[7].options: idmap without uidMappings and gidMappings takes the container's user namespace mapping, but the container has none"),
                    "\(result)")
            expectNothingLeft(h, id: id)
        }
    }
}
