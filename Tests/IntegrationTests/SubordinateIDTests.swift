// Multi-range user namespaces: the test user's subordinate ranges written by newuidmap and
// newgidmap (user mode), directly by root, or directly by uid 0 of a user namespace that
// already has them (podman-like mode); and every diagnosis on that path.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The modes where a container can have more than one mapped id. Under `unshare -r` only one
/// id exists; that mode gets the diagnosis instead (see `singleIDNamespace`).
let wideModes: [Mode] = [.root, .user, .usernsSubids]

extension Harness {
    /// Cancels the test unless the test user's ranges exist (and, unprivileged, the helpers).
    func requireWideMaps() throws {
        if Env.subidRange == nil || mode != .root, let why = Env.subidProblem { try skip(why) }
    }

    /// Maps for the whole range, as rsrun's caller sees the ids: container 0 is the test user
    /// (uid 0 of the podman-like namespace), container 1... its subordinate ids. Container id
    /// `n >= 1` is then host id `range.start + n - 1` in every mode.
    func wideMaps() -> (uids: [[String: Any]], gids: [[String: Any]]) {
        let range = Env.subidRange!
        let user = Env.testUser!
        func maps(_ own: UInt32) -> [[String: Any]] {
            switch mode {
            case .usernsSubids:
                // unshare --map-auto maps range.count - 1 ids at 1.
                return [["containerID": 0, "hostID": 0, "size": 1], ["containerID": 1, "hostID": 1, "size": Int(range.count) - 1]]
            default:
                return [["containerID": 0, "hostID": Int(own), "size": 1], ["containerID": 1, "hostID": Int(range.start), "size": Int(range.count)]]
            }
        }
        return (maps(user.uid), maps(user.gid))
    }

    /// uid_map/gid_map lines as seen inside the container (relative to rsrun's namespace).
    func wideMapLines() -> [String] {
        wideMaps().uids.map { "\($0["containerID"]!) \($0["hostID"]!) \($0["size"]!)" }
    }

    /// A config with the wide maps, a tmpfs /tmp, running `script` with sh, allowed to chown.
    func wideConfig(_ script: String) -> Config {
        var config = self.config(["sh", "-c", script])
        let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"]
        config.set("process.capabilities", ["bounding": caps, "effective": caps, "permitted": caps])
        let (uids, gids) = wideMaps()
        config.addUserNamespace(uid: 0, gid: 0)
        config.set("linux.uidMappings", uids)
        config.set("linux.gidMappings", gids)
        config.addMount(["destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]])
        return config
    }
}

extension Config {
    mutating func addMount(_ mount: [String: Any]) {
        var mounts = value("mounts") as? [[String: Any]] ?? []
        mounts.append(mount)
        set("mounts", mounts)
    }
}

/// Whitespace-separated fields of each non-empty line.
func fieldsPerLine(_ text: String) -> [String] {
    text.split(separator: "\n").map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") }
        .filter { !$0.isEmpty }
}

extension IntegrationTests {
    @Suite struct SubordinateIDs {
        @Test("the whole subordinate range: ids, chown to 1234, both ranges in uid_map and gid_map", arguments: wideModes)
        func wideRange(_ mode: Mode) throws {
            let h = try Harness(mode, "subids")
            defer { h.cleanup() }
            try h.requireWideMaps()
            let id = h.newID("subids")
            let script = """
                id -u; id -g; echo uid_map; cat /proc/self/uid_map; echo gid_map; cat /proc/self/gid_map
                touch /tmp/x && chown 1234:1234 /tmp/x && stat -c %u:%g /tmp/x
                """
            let result = h.rsrun(["run", "-b", try h.bundle(h.wideConfig(script)), id])
            #expect(result.ok, "\(result)")
            let lines = fieldsPerLine(result.stdout)
            let expected = ["0", "0", "uid_map"] + h.wideMapLines() + ["gid_map"] + h.wideMapLines() + ["1234:1234"]
            #expect(lines == expected, "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("process.user uid 1000 with groups and umask; its files on a bind mount belong to subuid base + 999", arguments: wideModes)
        func processUser(_ mode: Mode) throws {
            let h = try Harness(mode, "subuser")
            defer { h.cleanup() }
            try h.requireWideMaps()
            let id = h.newID("subuser")
            let shared = "\(h.sandbox)/shared"
            try h.makeDirectory(shared, mode: 0o777)
            // /tmp is the tmpfs of wideConfig: the read-only rootfs has no /shared to mount on.
            var config = h.wideConfig("id; touch /tmp/shared/f; mkdir /tmp/shared/d; stat -c %a /tmp/shared/f /tmp/shared/d; umask")
            config.set("process.user", ["uid": 1000, "gid": 1000, "additionalGids": [2000, 3000], "umask": 0o027])
            config.addMount(["destination": "/tmp/shared", "type": "bind", "source": shared, "options": ["rbind", "rw"]])
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok, "\(result)")
            let lines = fieldsPerLine(result.stdout)
            let idLine = lines.first ?? ""
            #expect(idLine.hasPrefix("uid=1000 gid=1000 groups="), "\(result)")
            let groups = idLine.components(separatedBy: "groups=").last?.split(separator: ",").map(String.init) ?? []
            #expect(Set(groups) == ["2000", "3000"] || Set(groups) == ["1000", "2000", "3000"], "\(result)")
            #expect(Array(lines.dropFirst()) == ["640", "750", "0027"], "\(result)")

            let hostID = Env.subidRange!.start + 999
            for path in ["\(shared)/f", "\(shared)/d"] {
                var info = stat()
                #expect(stat(path, &info) == 0, "no \(path)")
                #expect(info.st_uid == hostID && info.st_gid == hostID, "\(path) is \(info.st_uid):\(info.st_gid) on the host, not \(hostID):\(hostID)")
            }
            expectNothingLeft(h, id: id)
        }

        @Test("spec --rootless maps container 1.. to the first subordinate range", arguments: [Mode.user, .usernsSubids])
        func specRootless(_ mode: Mode) throws {
            let h = try Harness(mode, "subspec")
            defer { h.cleanup() }
            try h.requireWideMaps()
            let dir = try h.bundle(text: nil)
            let spec = h.rsrun(["spec", "--rootless", "-b", dir])
            #expect(spec.ok && spec.stderr.isEmpty, "\(spec)")
            let data = try #require(FileManager.default.contents(atPath: "\(dir)/config.json"))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let linux = json["linux"] as? [String: Any] ?? [:]
            for key in ["uidMappings", "gidMappings"] {
                let maps = (linux[key] as? [[String: Any]] ?? []).map {
                    "\($0["containerID"] ?? "?") \($0["hostID"] ?? "?") \($0["size"] ?? "?")"
                }
                #expect(maps == h.wideMapLines(), "\(key): \(maps)")
            }
        }
    }

    @Suite struct SubordinateIDDiagnoses {
        /// Runs `create` with the wide maps and checks the one-line error, its keywords and
        /// that nothing is left.
        func expectRefusal(
            _ h: Harness, _ config: Config, keywords: [String], path: String = Env.standardPath, extraEnv: [String] = [],
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            let id = h.newID("diag")
            let result = h.rsrun(["create", "-b", try h.bundle(config), id], path: path, extraEnv: extraEnv)
            expectOneLineError(result, sourceLocation: sourceLocation)
            for keyword in keywords {
                #expect(result.stderr.contains(keyword), "the error should mention \"\(keyword)\": \(result)", sourceLocation: sourceLocation)
            }
            expectNothingLeft(h, id: id, sourceLocation: sourceLocation)
        }

        @Test("no subuid entry: the file and the line to add; spec --rootless falls back with a warning")
        func noEntry() throws {
            guard let user = Env.noSubidUser else {
                try Harness.skip("no user without subordinate ranges: run contrib/setup-test-user.sh rsrun-nosub --no-ranges", mode: .user)
                return
            }
            let h = try Harness(.user, "nosub", user: user)
            defer { h.cleanup() }
            var config = h.config(["true"])
            config.addUserNamespace(uid: 0, gid: 0)
            config.set("linux.uidMappings", [["containerID": 0, "hostID": Int(user.uid), "size": 1], ["containerID": 1, "hostID": 300000, "size": 65536]])
            config.set("linux.gidMappings", [["containerID": 0, "hostID": Int(user.gid), "size": 1]])
            try expectRefusal(h, config, keywords: ["linux.uidMappings", "/etc/subuid has no range for \(user.name)", "\"\(user.name):", "usermod --add-subuids"])

            let dir = try h.bundle(text: nil)
            let spec = h.rsrun(["spec", "--rootless", "-b", dir])
            #expect(spec.ok, "\(spec)")
            #expect(spec.stderr.contains("/etc/subuid has no range for \(user.name)") && spec.stderr.contains("/etc/subgid"), "\(spec)")
            let data = try #require(FileManager.default.contents(atPath: "\(dir)/config.json"))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let uids = (json["linux"] as? [String: Any])?["uidMappings"] as? [[String: Any]] ?? []
            #expect(uids.count == 1 && (uids.first?["hostID"] as? NSNumber)?.uint32Value == user.uid, "\(uids)")
        }

        @Test("newuidmap not installed: the package is named")
        func missingHelper() throws {
            let h = try Harness(.user, "nohelper")
            defer { h.cleanup() }
            try expectRefusal(h, h.wideConfig("true"), keywords: ["newuidmap", "not found in PATH", "uidmap package"], path: "/nonexistent-rsrun-bin")
        }

        @Test("newuidmap without setuid or file capabilities, found in PATH or named by RSRUN_NEWUIDMAP")
        func helperWithoutPrivilege() throws {
            let h = try Harness(.user, "nosetuid")
            defer { h.cleanup() }
            guard let real = Env.newuidmap, let realGid = Env.findTool("newgidmap") else {
                try h.skip("newuidmap/newgidmap are not installed (package uidmap)")
                return
            }
            let dir = "\(h.sandbox)/helpers"
            try h.makeDirectory(dir)
            for (source, name) in [(real, "newuidmap"), (realGid, "newgidmap")] {
                try FileManager.default.copyItem(atPath: source, toPath: "\(dir)/\(name)")
                chmod("\(dir)/\(name)", 0o755)
            }
            try expectRefusal(h, h.wideConfig("true"), keywords: ["\(dir)/newuidmap", "setuid", "file capabilities", "uidmap"],
                              path: "\(dir):\(Env.standardPath)")
            try expectRefusal(h, h.wideConfig("true"), keywords: ["\(dir)/newuidmap", "setuid"],
                              extraEnv: ["RSRUN_NEWUIDMAP=\(dir)/newuidmap"])
        }

        @Test("a range outside the allocation: the helper's words and the ranges at fault")
        func rangeRefused() throws {
            let h = try Harness(.user, "refused")
            defer { h.cleanup() }
            try h.requireWideMaps()
            let range = Env.subidRange!
            let outside = Int(range.start) + Int(range.count)
            var config = h.wideConfig("true")
            config.set("linux.uidMappings", [["containerID": 0, "hostID": Int(h.user!.uid), "size": 1], ["containerID": 1, "hostID": outside, "size": 10]])
            try expectRefusal(h, config, keywords: [
                "linux.uidMappings", "newuidmap refused", "not allowed", "host ids \(outside)-\(outside + 9)",
                "outside your ranges in /etc/subuid (\(range.start)-\(Int(range.start) + Int(range.count) - 1))",
            ])
        }

        @Test("supplementary groups where setgroups is denied: why, and what to change", arguments: [Mode.user, .userns])
        func setgroupsDenied(_ mode: Mode) throws {
            let h = try Harness(mode, "setgroups")
            defer { h.cleanup() }
            var config = h.config(["true"])
            config.set("process.user.additionalGids", [0])
            let why = mode == .user ? "wrote itself" : "unshare -r"
            try expectRefusal(h, config, keywords: ["process.user.additionalGids", "setgroups", why, "newgidmap"])

            // newgidmap too denies setgroups when it maps only the caller's own gid.
            if mode == .user, Env.subidProblem == nil {
                var ownGid = h.wideConfig("true")
                ownGid.set("linux.gidMappings", [["containerID": 0, "hostID": Int(h.user!.gid), "size": 1]])
                ownGid.set("process.user.additionalGids", [0])
                try expectRefusal(h, ownGid, keywords: ["process.user.additionalGids", "newgidmap denies setgroups"])
            }
        }

        @Test("unshare -r has one id: wide maps are refused with how to get a namespace that has them")
        func singleIDNamespace() throws {
            let h = try Harness(.userns, "single")
            defer { h.cleanup() }
            var config = h.config(["true"])
            config.addUserNamespace(uid: 0, gid: 0)
            config.set("linux.uidMappings", [["containerID": 0, "hostID": 0, "size": 1], ["containerID": 1, "hostID": 1, "size": 65536]])
            try expectRefusal(h, config, keywords: ["linux.uidMappings[1]", "do not exist in the user namespace rsrun runs in", "--map-auto"])
        }

        @Test("XDG_RUNTIME_DIR of another user (after su): an error, and no state anywhere")
        func foreignRuntimeDir() throws {
            let h = try Harness(.user, "xdg")
            defer { h.cleanup() }
            let foreign = "\(h.sandbox)/root-runtime"
            mkdir(foreign, 0o755)  // owned by root, who runs the tests
            let id = h.newID("xdg", root: .builtIn)
            let result = h.rsrun(["create", "-b", try h.bundle(h.config(["true"])), id], root: .builtIn, xdg: .value(foreign))
            expectOneLineError(result)
            for keyword in ["XDG_RUNTIME_DIR", foreign, "belongs to uid 0", "su"] {
                #expect(result.stderr.contains(keyword), "the error should mention \"\(keyword)\": \(result)")
            }
            #expect((try? FileManager.default.contentsOfDirectory(atPath: foreign)) == [], "something was made in \(foreign)")
            expectNothingLeft(h, id: id, root: .builtIn)
        }
    }
}
