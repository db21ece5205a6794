// Mount targets and device nodes are resolved inside the rootfs: a hostile image whose /etc
// is a symbolic link to / or out of the rootfs, or a destination with .. components, gets
// its mounts inside its own rootfs, and the host is checked to be untouched. linux.devices
// nodes: made by mknod as root, bound from the host otherwise.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension Harness {
    /// A private copy of the shared rootfs in the sandbox, owned by the mode's user, which a
    /// test may change (plant links in) freely.
    func rootfsCopy() throws -> String {
        let copy = "\(sandbox)/rootfs"
        let cp = Subprocess.run(["/bin/cp", "-a", Env.rootfs, copy], env: ["PATH=\(Env.standardPath)"])
        guard cp.ok else { throw HarnessError("copy the rootfs: \(cp)") }
        if let user {
            let chown = Subprocess.run(["/bin/chown", "-R", "-h", "\(user.uid):\(user.gid)", copy], env: ["PATH=\(Env.standardPath)"])
            guard chown.ok else { throw HarnessError("chown the rootfs copy: \(chown)") }
        }
        return copy
    }

    /// A file and a directory in the sandbox, readable by the mode's user, to bind.
    func bindSources(_ content: String) throws -> (file: String, dir: String) {
        let dir = "\(sandbox)/src-dir"
        try makeDirectory(dir)
        let file = "\(sandbox)/src-file"
        guard FileManager.default.createFile(atPath: file, contents: Data(content.utf8)) else { throw HarnessError("create \(file)") }
        chmod(file, 0o644)
        try giveToUser(file)
        guard FileManager.default.createFile(atPath: dir + "/inside", contents: Data("in-dir\n".utf8)) else { throw HarnessError("create \(dir)/inside") }
        chmod(dir + "/inside", 0o644)
        try giveToUser(dir + "/inside")
        return (file, dir)
    }
}

/// Mount points in this process's mount namespace (the host's) under `prefix`.
func hostMountPoints(under prefix: String) -> [String] {
    (readText("/proc/self/mountinfo") ?? "").split(separator: "\n").compactMap { line in
        let fields = line.split(separator: " ")
        guard fields.count > 4 else { return nil }
        let point = String(fields[4])
        return point == prefix || point.hasPrefix(prefix + "/") ? point : nil
    }
}

func fileType(_ path: String) -> mode_t? {
    var info = stat()
    return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : nil
}

extension IntegrationTests {
    @Suite struct MountSafety {
        /// A name no host path has: /tmp/<it> must not appear.
        static func outsideName(_ label: String) -> String {
            "rsrun-outside-\(label)-\(getpid())-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        }

        /// Adds bind mounts of a file and a directory, and a tmpfs, under `base`.
        static func addMounts(_ config: inout Config, base: String, file: String, dir: String) {
            var mounts = config.value("mounts") as? [[String: Any]] ?? []
            mounts.append(["destination": base + "/f", "type": "bind", "source": file, "options": ["bind", "ro"]])
            mounts.append(["destination": base + "/d", "type": "bind", "source": dir, "options": ["rbind"]])
            mounts.append(["destination": base + "/t", "type": "tmpfs", "source": "tmpfs", "options": ["size=64k"]])
            config.set("mounts", mounts)
        }

        @Test("/etc -> /: the binds land at the rootfs's own root, the host's /etc is untouched", arguments: Mode.allCases)
        func etcLinkToRoot(_ mode: Mode) throws {
            let h = try Harness(mode, "etcroot")
            defer { h.cleanup() }
            let rootfs = try h.rootfsCopy()
            let marker = "marker-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let (file, dir) = try h.bindSources(marker + "\n")
            removeTree(rootfs + "/etc")
            #expect(symlink("/", rootfs + "/etc") == 0)
            let hostEtcBefore = try FileManager.default.contentsOfDirectory(atPath: "/etc").sorted()
            let hostEtcMountsBefore = hostMountPoints(under: "/etc")

            let id = h.newID("etcroot")
            var config = h.config(["sh", "-c", "cat /etc/f /etc/d/inside; ls -d /etc/t"])
            config.set("root.path", rootfs)
            Self.addMounts(&config, base: "/etc", file: file, dir: dir)
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && fieldsPerLine(result.stdout) == [marker, "in-dir", "/etc/t"], "\(result)")

            // Inside: /etc is the rootfs's root, so the mount points were made there.
            #expect(fileType(rootfs + "/f") == S_IFREG && fileType(rootfs + "/d") == S_IFDIR && fileType(rootfs + "/t") == S_IFDIR)
            // Outside: nothing new in the host's /etc, nothing mounted there.
            #expect(try FileManager.default.contentsOfDirectory(atPath: "/etc").sorted() == hostEtcBefore)
            #expect(hostMountPoints(under: "/etc") == hostEtcMountsBefore)
            expectNothingLeft(h, id: id)
        }

        @Test("/etc -> ../../../tmp/outside: the target is created inside the rootfs, never in the host's /tmp", arguments: Mode.allCases)
        func etcLinkOutside(_ mode: Mode) throws {
            let h = try Harness(mode, "etcout")
            defer { h.cleanup() }
            let rootfs = try h.rootfsCopy()
            let outside = Self.outsideName("etc")
            defer { removeTree("/tmp/" + outside) }
            let (file, dir) = try h.bindSources("through-link\n")
            removeTree(rootfs + "/etc")
            // Enough .. to reach the host's / from wherever the sandbox is.
            let target = String(repeating: "../", count: 12) + "tmp/" + outside
            #expect(symlink(target, rootfs + "/etc") == 0)

            let id = h.newID("etcout")
            var config = h.config(["sh", "-c", "cat /etc/f /etc/d/inside; ls -d /etc/t; touch /etc/t/x && echo tmpfs-writable"])
            config.set("root.path", rootfs)
            Self.addMounts(&config, base: "/etc", file: file, dir: dir)
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && fieldsPerLine(result.stdout) == ["through-link", "in-dir", "/etc/t", "tmpfs-writable"], "\(result)")

            #expect(!fileExists("/tmp/" + outside), "the host's /tmp/\(outside) was created")
            #expect(hostMountPoints(under: "/tmp/" + outside).isEmpty)
            let inside = rootfs + "/tmp/" + outside
            #expect(fileType(inside) == S_IFDIR && fileType(inside + "/f") == S_IFREG && fileType(inside + "/d") == S_IFDIR
                    && fileType(inside + "/t") == S_IFDIR, "\(inside)")
            // The tmpfs was the container's: nothing written to it reached the rootfs copy.
            #expect(!fileExists(inside + "/t/x"))
            // The link itself is left as the image had it.
            #expect(fileType(rootfs + "/etc") == S_IFLNK)
            expectNothingLeft(h, id: id)
        }

        @Test("destinations with .. components stay inside the rootfs", arguments: Mode.allCases)
        func dotDotDestinations(_ mode: Mode) throws {
            let h = try Harness(mode, "dotdot")
            defer { h.cleanup() }
            let rootfs = try h.rootfsCopy()
            let outside = Self.outsideName("dotdot")
            defer { removeTree("/tmp/" + outside) }
            let (file, dir) = try h.bindSources("dotdot\n")
            let id = h.newID("dotdot")
            let base = String(repeating: "/..", count: 12) + "/tmp/" + outside
            var config = h.config(["sh", "-c", "cat /tmp/\(outside)/f /tmp/\(outside)/d/inside /up"])
            config.set("root.path", rootfs)
            Self.addMounts(&config, base: base, file: file, dir: dir)
            var mounts = config.value("mounts") as? [[String: Any]] ?? []
            mounts.append(["destination": "/x/../y/z/../../up", "type": "bind", "source": file, "options": ["bind"]])
            config.set("mounts", mounts)
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && fieldsPerLine(result.stdout) == ["dotdot", "in-dir", "dotdot"], "\(result)")
            #expect(!fileExists("/tmp/" + outside), "the host's /tmp/\(outside) was created")
            #expect(fileType(rootfs + "/tmp/" + outside + "/f") == S_IFREG)
            // Missing names followed by .. are not made.
            #expect(fileType(rootfs + "/up") == S_IFREG && !fileExists(rootfs + "/x") && !fileExists(rootfs + "/y"))
            expectNothingLeft(h, id: id)
        }

        @Test("missing targets are made with the source's type: a file for a file, a directory otherwise", arguments: Mode.allCases)
        func missingTargets(_ mode: Mode) throws {
            let h = try Harness(mode, "missing")
            defer { h.cleanup() }
            let rootfs = try h.rootfsCopy()
            let (file, dir) = try h.bindSources("made\n")
            let id = h.newID("missing")
            var config = h.config(["sh", "-c", "cat /new/deep/f; ls /new/deep/d; [ -f /new/deep/f ] && [ -d /new/deep/t ] && echo types"])
            config.set("root.path", rootfs)
            Self.addMounts(&config, base: "/new/deep", file: file, dir: dir)
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && fieldsPerLine(result.stdout) == ["made", "inside", "types"], "\(result)")
            #expect(fileType(rootfs + "/new/deep/f") == S_IFREG)
            #expect(fileType(rootfs + "/new/deep/d") == S_IFDIR)
            #expect(fileType(rootfs + "/new/deep/t") == S_IFDIR)
            expectNothingLeft(h, id: id)
        }

        @Test("a destination that cannot be made fails in one line naming mounts[N], leaving nothing", arguments: [Mode.root, .user])
        func unresolvableDestination(_ mode: Mode) throws {
            let h = try Harness(mode, "unresolvable")
            defer { h.cleanup() }
            let id = h.newID("unresolvable")
            var config = h.config(["true"])
            var mounts = config.value("mounts") as? [[String: Any]] ?? []
            mounts.append(["destination": "/bin/busybox/x", "type": "tmpfs", "source": "tmpfs"])
            config.set("mounts", mounts)
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            expectOneLineError(result)
            #expect(mentions(result.stderr, "mounts[\(mounts.count - 1)].destination") && mentions(result.stderr, "/bin/busybox/x")
                    && mentions(result.stderr, "Not a directory"), "\(result)")
            expectNothingLeft(h, id: id)
        }

        // MARK: linux.devices

        static var fuse: [String: Any] { ["type": "c", "path": "/dev/fuse", "major": 10, "minor": 229, "fileMode": 0o640, "uid": 0, "gid": 0] }
        static let statScript = "stat -c '%F %t:%T %a %u:%g' /dev/fuse"

        func hostNode(_ path: String) -> stat? {
            var info = stat()
            return stat(path, &info) == 0 ? info : nil
        }

        @Test("linux.devices /dev/fuse: made by mknod as root with its mode and owner, bound from the host rootless", arguments: Mode.allCases)
        func fuseDevice(_ mode: Mode) throws {
            let h = try Harness(mode, "fuse")
            defer { h.cleanup() }
            guard let before = hostNode("/dev/fuse"), before.st_mode & S_IFMT == S_IFCHR else {
                return try h.skip("the host has no /dev/fuse character device")
            }
            let id = h.newID("fuse")
            var config = h.config(["sh", "-c", Self.statScript])
            var fuse = Self.fuse
            if mode == .root { fuse["uid"] = 1000; fuse["gid"] = 1001 }
            config.set("linux.devices", [fuse])
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            if mode == .root {
                #expect(result.ok && fieldsPerLine(result.stdout) == ["character special file a:e5 640 1000:1001"], "\(result)")
            } else {
                // The host's node as it is: a bind cannot change its mode or owner.
                let host = String(format: "%o", before.st_mode & 0o7777)
                let lines = fieldsPerLine(result.stdout)
                #expect(result.ok && lines.count == 1 && lines[0].hasPrefix("character special file a:e5 \(host) "), "\(result)")
            }
            let after = hostNode("/dev/fuse")
            #expect(after?.st_mode == before.st_mode && after?.st_uid == before.st_uid && after?.st_gid == before.st_gid && after?.st_rdev == before.st_rdev)
            expectNothingLeft(h, id: id)
        }

        /// runc and crun add no device cgroup rule for linux.devices entries (a caller that
        /// wants one opened says so in linux.resources.devices, as Docker's --device does):
        /// neither does rsrun.
        @Test("root: /dev/fuse opens only where linux.resources.devices allows it, as with runc")
        func fuseOpen() throws {
            let h = try Harness(.root, "fuseopen")
            defer { h.cleanup() }
            guard hostNode("/dev/fuse") != nil else { return try h.skip("the host has no /dev/fuse") }
            let script = "exec 3<>/dev/fuse && echo opened"
            for allow in [false, true] {
                let id = h.newID("fuseopen")
                var config = h.config(["sh", "-c", script])
                config.set("linux.devices", [Self.fuse])
                var rules: [[String: Any]] = [["allow": false, "access": "rwm"]]
                if allow { rules.append(["allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"]) }
                config.set("linux.resources.devices", rules)
                let result = h.rsrun(["run", "-b", try h.bundle(config), id])
                if allow {
                    #expect(result.ok && result.stdout == "opened\n", "\(result)")
                } else {
                    #expect(!result.ok && mentions(result.stderr, "Operation not permitted"), "\(result)")
                }
                expectNothingLeft(h, id: id)
            }
        }

        @Test("root refused mknod (no CAP_MKNOD) binds the host's nodes instead")
        func mknodRefused() throws {
            let h = try Harness(.root, "nomknod")
            defer { h.cleanup() }
            guard let setpriv = Env.setpriv else { return try h.skip("setpriv (util-linux) is not installed") }
            guard let before = hostNode("/dev/fuse") else { return try h.skip("the host has no /dev/fuse") }
            let id = h.newID("nomknod")
            var config = h.config(["sh", "-c", Self.statScript + "; stat -c '%t:%T' /dev/null; grep -c ' /dev/null ' /proc/self/mountinfo"])
            config.set("linux.devices", [Self.fuse])
            let (argv, env) = h.command(h.fullArgs(["run", "-b", try h.bundle(config), id], root: .sandbox))
            let result = Subprocess.run([setpriv, "--bounding-set=-mknod"] + argv, env: env)
            let host = String(format: "%o", before.st_mode & 0o7777)
            let lines = fieldsPerLine(result.stdout)
            #expect(result.ok && lines.count == 3 && lines[0] == "character special file a:e5 \(host) 0:0" && lines[1] == "1:3" && lines[2] == "1",
                    "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("a fifo in linux.devices is made in every mode", arguments: Mode.allCases)
        func fifo(_ mode: Mode) throws {
            let h = try Harness(mode, "fifo")
            defer { h.cleanup() }
            let id = h.newID("fifo")
            var config = h.config(["sh", "-c", "[ -p /dev/sub/rsrun-fifo ] && stat -c %a /dev/sub/rsrun-fifo"])
            config.set("linux.devices", [["type": "p", "path": "/dev/sub/rsrun-fifo", "fileMode": 0o600]])
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok && result.stdout == "600\n", "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("rootless, a device the host lacks fails in one line naming linux.devices[i], leaving nothing", arguments: [Mode.user, .userns, .usernsSubids])
        func missingHostNode(_ mode: Mode) throws {
            let h = try Harness(mode, "nohostnode")
            defer { h.cleanup() }
            let id = h.newID("nohostnode")
            var config = h.config(["true"])
            config.set("linux.devices", [Self.fuse, ["type": "c", "path": "/dev/rsrun-no-such-node", "major": 1, "minor": 3]])
            if hostNode("/dev/fuse") == nil { config.set("linux.devices", [["type": "c", "path": "/dev/rsrun-no-such-node", "major": 1, "minor": 3]]) }
            let index = hostNode("/dev/fuse") == nil ? 0 : 1
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            expectOneLineError(result)
            #expect(mentions(result.stderr, "linux.devices[\(index)]") && mentions(result.stderr, "/dev/rsrun-no-such-node"), "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("bad device paths fail before anything is made", arguments: [
            ("/tmp/null", "must be under /dev"), ("/dev/../etc/passwd", ".."), ("/dev/", "must be under /dev"), ("dev/null", "absolute"),
        ])
        func badDevicePath(_ path: String, _ keyword: String) throws {
            for mode in [Mode.root, .user] {
                let h = try Harness(mode, "baddev")
                defer { h.cleanup() }
                let id = h.newID("baddev")
                var config = h.config(["true"])
                config.set("linux.devices", [["type": "c", "path": path, "major": 1, "minor": 3]])
                let result = h.rsrun(["create", "-b", try h.bundle(config), id])
                expectOneLineError(result)
                #expect(mentions(result.stderr, "linux.devices[0].path") && mentions(result.stderr, keyword), "\(result)")
                expectNothingLeft(h, id: id)
            }
        }

        @Test("masked and read-only paths need no /proc in the container", arguments: Mode.allCases)
        func protectedPathsWithoutProc(_ mode: Mode) throws {
            let h = try Harness(mode, "noproc")
            defer { h.cleanup() }
            let id = h.newID("noproc")
            var config = h.config(["sh", "-c", "ls /sys/firmware | wc -l; wc -c < /etc/hostname; touch /dev/shm/x 2>&1; ls /proc | wc -l"])
            config.set("mounts", (config.value("mounts") as? [[String: Any]] ?? []).filter { $0["destination"] as? String != "/proc" })
            config.set("linux.maskedPaths", ["/sys/firmware", "/etc/hostname"])
            config.set("linux.readonlyPaths", ["/dev/shm"])
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            let lines = fieldsPerLine(result.stdout)
            #expect(result.ok && lines.count == 4 && lines[0] == "0" && lines[1] == "0" && mentions(lines[2], "Read-only file system")
                    && lines[3] == "0", "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("a mask needs the real null device: an image's /dev/null that is a plain file is refused", arguments: [Mode.root, .user])
        func fakeNull(_ mode: Mode) throws {
            let h = try Harness(mode, "fakenull")
            defer { h.cleanup() }
            let devDir = "\(h.sandbox)/devdir"
            try h.makeDirectory(devDir)
            guard FileManager.default.createFile(atPath: devDir + "/null", contents: Data("not null\n".utf8)) else {
                throw HarnessError("create \(devDir)/null")
            }
            try h.giveToUser(devDir + "/null")
            let id = h.newID("fakenull")
            var config = h.config(["true"])
            var mounts = (config.value("mounts") as? [[String: Any]] ?? []).filter { ($0["destination"] as? String)?.hasPrefix("/dev") != true }
            mounts.append(["destination": "/dev", "type": "bind", "source": devDir, "options": ["rbind"]])
            config.set("mounts", mounts)
            config.set("linux.maskedPaths", ["/proc/version"])
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            expectOneLineError(result)
            #expect(mentions(result.stderr, "linux.maskedPaths[0]") && mentions(result.stderr, "null device"), "\(result)")
            expectNothingLeft(h, id: id)
        }
    }
}
