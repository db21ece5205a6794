// Seccomp filters built by libseccomp in rsrun and loaded by the container's init: the real
// podman/docker default profile, errnoRet, and the status the container sees.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

enum ContainersProfile {
    static let path = "/usr/share/containers/seccomp.json"

    /// /usr/share/containers/seccomp.json is in the engines' format (includes/excludes by
    /// capability and architecture, an archMap); podman turns it into the OCI form for the
    /// runtime. This does the same for x86_64 and the capabilities in `bounding`.
    static func ociProfile(bounding: [String]) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: path), "no \(path)")
        let profile = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var oci: [String: Any] = ["defaultAction": profile["defaultAction"] ?? "SCMP_ACT_ERRNO"]
        if let errno = profile["defaultErrnoRet"] { oci["defaultErrnoRet"] = errno }
        let archMap = profile["archMap"] as? [[String: Any]] ?? []
        if let native = archMap.first(where: { $0["architecture"] as? String == "SCMP_ARCH_X86_64" }) {
            oci["architectures"] = ["SCMP_ARCH_X86_64"] + (native["subArchitectures"] as? [String] ?? [])
        }
        var syscalls: [[String: Any]] = []
        for rule in profile["syscalls"] as? [[String: Any]] ?? [] {
            let includes = rule["includes"] as? [String: Any] ?? [:]
            let excludes = rule["excludes"] as? [String: Any] ?? [:]
            if let arches = includes["arches"] as? [String], !arches.contains("amd64") { continue }
            if let arches = excludes["arches"] as? [String], arches.contains("amd64") { continue }
            if let caps = includes["caps"] as? [String], !caps.allSatisfy(bounding.contains) { continue }
            if let caps = excludes["caps"] as? [String], caps.contains(where: bounding.contains) { continue }
            var entry: [String: Any] = ["names": rule["names"] ?? [], "action": rule["action"] ?? "SCMP_ACT_ALLOW"]
            if let errno = rule["errnoRet"] { entry["errnoRet"] = errno }
            if let args = rule["args"] as? [[String: Any]], !args.isEmpty { entry["args"] = args }
            syscalls.append(entry)
        }
        oci["syscalls"] = syscalls
        return oci
    }
}

/// A unix socket that takes one connection and its one message with an fd: a stand-in for a
/// seccomp agent. It records what came and where the fd points, then closes the fd, which
/// makes the container's pending notified syscall fail with ENOSYS.
final class NotifyListener: @unchecked Sendable {
    let path: String
    let socketFD: Int32
    private(set) var message: [String: Any] = [:]
    private(set) var fdTarget = ""
    private let done = DispatchSemaphore(value: 0)

    init(path: String) throws {
        self.path = path
        socketFD = try FDSocket.listen(at: path)
        Thread { self.serve() }.start()
    }

    private func serve() {
        defer { done.signal() }
        guard let (bytes, fd) = FDSocket.receive(socketFD, timeoutMs: 20_000) else { return }
        message = (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]) ?? [:]
        fdTarget = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) ?? ""
        close(fd)
    }

    /// Waits for the message (at most 20 s) and closes the socket.
    func finish() {
        _ = done.wait(timeout: .now() + 20)
        close(socketFD)
        unlink(path)
    }
}

extension IntegrationTests {
    @Suite struct Seccomp {
        @Test("SCMP_ACT_NOTIFY: the notify fd and the container state reach listenerPath", arguments: Mode.allCases)
        func notify(_ mode: Mode) throws {
            let h = try Harness(mode, "seccompnotify")
            defer { h.cleanup() }
            let id = h.newID("seccompnotify")
            let listener = try NotifyListener(path: "\(h.sandbox)/notify.sock")
            var config = h.config(["sh", "-c", "mkdir /dev/shm/n 2>&1; echo done"])
            config.set("linux.seccomp", [
                "defaultAction": "SCMP_ACT_ALLOW", "listenerPath": listener.path, "listenerMetadata": "meta-1",
                "syscalls": [["names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"]],
            ] as [String: Any])
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            listener.finish()
            #expect(result.ok, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 2 && lines[0].contains("Function not implemented") && lines[1] == "done", "\(result)")
            let message = listener.message
            #expect(message["fds"] as? [String] == ["seccompFd"], "\(message)")
            #expect(message["metadata"] as? String == "meta-1" && (message["pid"] as? Int ?? 0) > 0, "\(message)")
            let state = message["state"] as? [String: Any] ?? [:]
            #expect(state["id"] as? String == id && state["status"] as? String == "creating", "\(message)")
            #expect(listener.fdTarget == "anon_inode:seccomp notify", "fd points to \(listener.fdTarget)")
            expectNothingLeft(h, id: id)
        }

        static let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]

        @Test("the podman/docker default profile: echo works, unshare and chroot get EPERM, Seccomp: 2", arguments: Mode.allCases)
        func containersDefault(_ mode: Mode) throws {
            let h = try Harness(mode, "seccompdefault")
            defer { h.cleanup() }
            guard FileManager.default.fileExists(atPath: ContainersProfile.path) else {
                try h.skip("\(ContainersProfile.path) is missing: install golang-github-containers-common (contrib/install-deps.sh does)")
                return
            }
            let id = h.newID("seccompdefault")
            var config = h.config(["sh", "-c", """
                echo hello; unshare -m true 2>&1; chroot / true 2>&1; grep '^Seccomp:' /proc/self/status
                """])
            config.set("process.capabilities", ["bounding": Self.caps, "effective": Self.caps, "permitted": Self.caps])
            config.set("linux.seccomp", try ContainersProfile.ociProfile(bounding: Self.caps))
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "hello", "\(result)")
            #expect(lines.count == 4 && lines[1].contains("Operation not permitted") && lines[2].contains("Operation not permitted"), "\(result)")
            #expect(lines.last.map { statusFields($0)["Seccomp"] == "2" } == true, "\(result)")
            expectNothingLeft(h, id: id)
        }

        @Test("errnoRet 38 makes mkdir fail with ENOSYS; other calls pass", arguments: Mode.allCases)
        func errnoRet(_ mode: Mode) throws {
            let h = try Harness(mode, "seccomperrno")
            defer { h.cleanup() }
            let id = h.newID("seccomperrno")
            var config = h.config(["sh", "-c", "mkdir /dev/shm/x 2>&1; touch /dev/shm/y && echo touched"])
            config.set("linux.seccomp", [
                "defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
                "syscalls": [
                    ["names": ["mkdir", "mkdirat", "no_such_syscall"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38],
                    // Two conditions on one argument: two rules; neither matches touch's openat.
                    ["names": ["openat"], "action": "SCMP_ACT_ERRNO", "args": [
                        ["index": 2, "value": 0o7777777, "op": "SCMP_CMP_EQ"], ["index": 2, "value": 0o7777776, "op": "SCMP_CMP_EQ"],
                    ]],
                ],
            ] as [String: Any])
            let result = h.rsrun(["run", "-b", try h.bundle(config), id])
            #expect(result.ok, "\(result)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 2 && lines[0].contains("Function not implemented") && lines[1] == "touched", "\(result)")
            expectNothingLeft(h, id: id)
        }
    }
}
