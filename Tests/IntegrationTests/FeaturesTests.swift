// `rsrun features`: the OCI features document engines read (containerd, podman), as the
// built binary prints it, as root and as an unprivileged user.

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension IntegrationTests {
    @Suite struct Features {
        @Test("features prints the OCI features document as JSON", arguments: [Mode.root, Mode.user])
        func document(_ mode: Mode) throws {
            let h = try Harness(mode, "features")
            defer { h.cleanup() }
            // No state root and no XDG_RUNTIME_DIR: features touches no container state.
            let result = h.rsrun(["features"], root: .builtIn, xdg: .unset)
            try #require(result.ok, "\(result)")
            #expect(result.stderr.isEmpty, "\(result)")
            let parsed = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
            let doc = try #require(parsed as? [String: Any], "not a JSON object: \(result)")

            #expect(doc["ociVersionMin"] as? String == "1.0.0")
            #expect(doc["ociVersionMax"] as? String == "1.2.0")
            #expect(doc["hooks"] as? [String] == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"])
            let mountOptions = doc["mountOptions"] as? [String] ?? []
            for option in ["ro", "rbind", "rprivate", "idmap", "tmpcopyup", "rro", "nosymfollow"] {
                #expect(mountOptions.contains(option), "mountOptions lacks \(option)")
            }
            #expect(!mountOptions.contains("copy-symlink"), "accepted but not applied: must not be claimed")
            #expect(!mountOptions.contains { $0.contains("=") }, "file-system data is not a mount option: \(mountOptions)")

            let linux = try #require(doc["linux"] as? [String: Any], "\(result)")
            #expect(Set(linux["namespaces"] as? [String] ?? []) == ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"])
            let caps = linux["capabilities"] as? [String] ?? []
            #expect(caps.first == "CAP_CHOWN" && caps.contains("CAP_SYS_ADMIN") && caps.contains("CAP_CHECKPOINT_RESTORE"), "\(caps)")
            let cgroup = linux["cgroup"] as? [String: Bool]
            #expect(cgroup == ["v1": false, "v2": true, "systemd": true, "systemdUser": true, "rdma": true], "\(String(describing: cgroup))")
            let seccomp = try #require(linux["seccomp"] as? [String: Any], "\(result)")
            #expect(seccomp["enabled"] as? Bool == true)
            #expect((seccomp["actions"] as? [String])?.count == 9, "\(seccomp)")
            #expect((seccomp["operators"] as? [String])?.count == 7, "\(seccomp)")
            #expect((seccomp["archs"] as? [String] ?? []).contains("SCMP_ARCH_X86_64") || (seccomp["archs"] as? [String] ?? []).contains("SCMP_ARCH_AARCH64"))
            let known = Set(seccomp["knownFlags"] as? [String] ?? [])
            let supported = Set(seccomp["supportedFlags"] as? [String] ?? [])
            #expect(known.contains("SECCOMP_FILTER_FLAG_LOG") && supported.isSubset(of: known), "\(seccomp)")
            // Linux 4.14 and later take SECCOMP_FILTER_FLAG_LOG.
            #expect(supported.contains("SECCOMP_FILTER_FLAG_LOG"), "\(seccomp)")
            #expect((linux["apparmor"] as? [String: Bool])?["enabled"] == true)
            #expect((linux["selinux"] as? [String: Bool])?["enabled"] == true)
            #expect((linux["intelRdt"] as? [String: Bool])?["enabled"] == false, "linux.intelRdt is parsed, not applied")
            let idmap = (linux["mountExtensions"] as? [String: Any])?["idmap"] as? [String: Bool]
            #expect(idmap?["enabled"] == true)

            let annotations = try #require(doc["annotations"] as? [String: String], "\(result)")
            let libseccomp = annotations["io.github.seccomp.libseccomp.version"] ?? ""
            #expect(libseccomp.split(separator: ".").count == 3, "\(annotations)")
            #expect(annotations["org.opencontainers.runc.checkpoint.enabled"] == nil, "rsrun has no checkpoint/restore")
            #expect(annotations["org.rsrun.version"]?.isEmpty == false, "\(annotations)")
            #expect(annotations["org.rsrun.unapplied"]?.contains("linux.intelRdt") == true, "\(annotations)")
            #expect(doc["potentiallyUnsafeConfigAnnotations"] as? [String] == [])

            // Pretty like runc's: one key per line.
            #expect(result.stdout.hasPrefix("{\n"), "\(result)")
        }

        @Test("features takes no arguments", arguments: [Mode.root])
        func extraArgument(_ mode: Mode) throws {
            let h = try Harness(mode, "features-arg")
            defer { h.cleanup() }
            let result = h.rsrun(["features", "c1"], root: .builtIn)
            expectOneLineError(result)
            #expect(result.stdout.isEmpty, "\(result)")
        }
    }
}
