import Core
import Testing

@Suite("Unapplied spec fields")
struct SpecUnappliedTests {
    private func fields(_ text: String) throws -> [String] {
        Unapplied.fields(in: try Spec.parse(SpecFixtures.bytes(text)))
    }

    @Test func hooksSeccompAndResources() throws {
        let config = SpecFixtures.config(#"""
        "hooks": {"createRuntime": [{"path": "/bin/a"}], "poststop": [{"path": "/bin/b"}], "prestart": []},
        "linux": {
          "namespaces": [{"type": "pid"}],
          "resources": {"memory": {"limit": 1048576}, "pids": {"limit": 10}, "unified": {}},
          "seccomp": {"defaultAction": "SCMP_ACT_ALLOW"},
          "maskedPaths": ["/proc/kcore"]
        }
        """#)
        // Hooks and resources are applied.
        #expect(try fields(config) == [])
    }

    @Test func appliedOnlyConfigReportsNothing() throws {
        #expect(try fields(SpecFixtures.runcRootless) == [])
        #expect(try fields(SpecFixtures.config()) == [])
    }

    @Test func runcDefault() throws {
        #expect(try fields(SpecFixtures.runcDefault) == [])
    }

    @Test func podmanStyle() throws {
        // Empty apparmorProfile/selinuxLabel ask for nothing, so they are not reported.
        // Its idmapped mount (mounts[2].uidMappings/gidMappings) is applied.
        #expect(try fields(SpecFixtures.podmanStyle) == [])
    }

    /// The fixture sets every field, so every row must fire; a row whose check is broken, or
    /// a new unapplied field missing from the fixture, shows up here.
    @Test func everyRowFires() throws {
        let expected = Unapplied.all.map { $0.replacing("[]", with: "[0]") }
        #expect(try fields(SpecFixtures.everything) == expected)
    }

    @Test func listHasNoDuplicatesAndNoAppliedFields() {
        #expect(Set(Unapplied.all).count == Unapplied.all.count)
        let applied = [
            "ociVersion", "root.path", "root.readonly", "hostname", "domainname", "process.args",
            "process.env", "process.cwd", "process.user.uid", "process.user.gid", "process.noNewPrivileges",
            "process.oomScoreAdj", "process.execCPUAffinity", "annotations", "linux.namespaces", "linux.uidMappings", "linux.sysctl",
        ]
        for field in applied {
            #expect(!Unapplied.all.contains(field))
        }
        #expect(!Unapplied.all.contains("mounts[].uidMappings") && !Unapplied.all.contains("mounts[].gidMappings"))
    }
}
