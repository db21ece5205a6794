@testable import Core
import CShim
import Glibc
@testable import Rootless
import Testing

/// `rsrun features` claims only what the code does: each list is checked against the table the
/// code reads (every entry works through it), and each table against the list (nothing the
/// code supports is left out).
@Suite("Features document")
struct FeaturesDocumentTests {
    static let host = FeaturesDocument.Host(libseccompVersion: "2.5.4", seccompFlags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC"])
    static let document = FeaturesDocument.build(version: "9.9.9", host: host)

    static func strings(_ value: JSONValue?) -> [String] {
        (value?.arrayValue ?? []).compactMap(\.stringValue)
    }

    static var linux: JSONValue { document["linux"] ?? .null }
    static var seccomp: JSONValue { linux["seccomp"] ?? .null }

    @Test("the document has what features.md requires, and round-trips through the parser")
    func shape() throws {
        let doc = Self.document
        #expect(doc["ociVersionMin"]?.stringValue == "1.0.0")
        #expect(doc["ociVersionMax"]?.stringValue == Spec.version)
        for key in ["hooks", "mountOptions", "linux", "annotations", "potentiallyUnsafeConfigAnnotations"] {
            #expect(doc[key] != nil, "missing \(key)")
        }
        for key in ["namespaces", "capabilities", "cgroup", "seccomp", "apparmor", "selinux", "intelRdt", "mountExtensions"] {
            #expect(Self.linux[key] != nil, "missing linux.\(key)")
        }
        #expect(try JSONParser.parse(Array(doc.serialized(pretty: true).utf8), source: "features") == doc)
    }

    @Test("both ends of the version range are accepted as config.json's ociVersion; rsrun spec writes the newest")
    func versions() throws {
        for version in [Spec.oldestVersion, Spec.version] {
            let config = #"{"ociVersion": "\#(version)", "root": {"path": "rootfs"}}"#
            #expect(try Spec.parse(Array(config.utf8)).ociVersion == version)
        }
        #expect(DefaultSpec.json(mappings: nil)["ociVersion"]?.stringValue == Spec.version)
    }

    @Test("annotations: libseccomp and rsrun versions, the unapplied fields; checkpointing is not claimed")
    func annotations() {
        let annotations = Self.document["annotations"]
        #expect(annotations?["io.github.seccomp.libseccomp.version"]?.stringValue == "2.5.4")
        #expect(annotations?["org.rsrun.version"]?.stringValue == "9.9.9")
        #expect(annotations?["org.rsrun.unapplied"]?.stringValue == Unapplied.all.joined(separator: ","))
        #expect(annotations?["org.opencontainers.runc.checkpoint.enabled"] == nil)
        let without = FeaturesDocument.build(version: "1", host: .init(libseccompVersion: nil, seccompFlags: []))
        #expect(without["annotations"]?["io.github.seccomp.libseccomp.version"] == nil)
        #expect(Self.strings(Self.document["potentiallyUnsafeConfigAnnotations"]) == [])
    }

    // MARK: hooks

    @Test("every listed hook stage decodes into the field the lifecycle runs, and the spec's six are all listed")
    func hooks() throws {
        let listed = Self.strings(Self.document["hooks"])
        #expect(listed == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"])
        for field in Spec.Hooks.Stage.allCases {
            let name = field.rawValue
            let config = #"{"ociVersion": "1.2.0", "root": {"path": "rootfs"}, "hooks": {"\#(name)": [{"path": "/bin/true"}]}}"#
            let hooks = try #require(try Spec.parse(Array(config.utf8)).hooks)
            #expect(hooks[stage: field] == [Spec.Hook(path: "/bin/true")], "\(name)")
            #expect(!hooks.isEmpty)
            var others = hooks
            others[stage: field] = []
            #expect(others.isEmpty, "\(name) decoded into another stage too")
        }
    }

    // MARK: mount options

    @Test("every listed mount option is acted on by MountOptions, not passed to mount(2) as data")
    func mountOptionsRecognised() {
        for option in Self.strings(Self.document["mountOptions"]) {
            let parsed = MountOptions.parse([option])
            #expect(parsed.data.isEmpty, "\(option) would be file-system data")
            let actedOn = MountOptions.table[option] != nil || MountOptions.ignored.contains(option)
                || (MountOptions.idmapped.contains(option) && parsed.idmap == option) || (option == MountOptions.copyUp && parsed.copyUp)
            #expect(actedOn, "\(option)")
        }
    }

    @Test("every option MountOptions acts on is listed; one it only accepts is not")
    func mountOptionsComplete() {
        let listed = Set(Self.strings(Self.document["mountOptions"]))
        let tables = Set(MountOptions.table.keys).union(MountOptions.ignored).union(MountOptions.idmapped).union([MountOptions.copyUp])
        #expect(tables.subtracting(listed).isEmpty, "\(tables.subtracting(listed))")
        #expect(listed.subtracting(tables).isEmpty, "\(listed.subtracting(tables))")
        #expect(listed.isDisjoint(with: MountOptions.acceptedNotApplied))
        #expect(MountOptions.parse(["copy-symlink"]) == MountOptions.Parsed(), "still accepted")
    }

    // MARK: namespaces

    @Test("every listed namespace compiles into the plan (a clone flag, or the time namespace's unshare)")
    func namespacesCompile() throws {
        let listed = Self.strings(Self.linux["namespaces"])
        #expect(!listed.isEmpty)
        for name in listed {
            let kind = try #require(NamespaceKind(rawValue: name), "\(name) does not parse")
            let flag = try #require(PlanCompiler.namespaceFlags[kind])
            let bundle = try TestBundle()
            var spec = bundle.spec()
            spec.namespaces = name == "mount" ? ["mount"] : ["mount", name]
            if kind == .user {
                spec.uidMappings = [IDMapping(containerID: 0, hostID: 100_000, size: 65536)]
                spec.gidMappings = spec.uidMappings
            }
            let plan = try bundle.compile(spec, as: Identities.root)
            if kind == .time {
                #expect(plan.newTimeNamespace)
            } else {
                #expect(plan.cloneFlags & flag == flag, "\(name)")
            }
        }
    }

    @Test("every namespace type the spec model knows is listed")
    func namespacesComplete() {
        #expect(Set(Self.strings(Self.linux["namespaces"])) == Set(NamespaceKind.allCases.map(\.rawValue)))
    }

    // MARK: capabilities

    @Test("every listed capability resolves through CapabilityPlan to its own bit; the table is listed whole")
    func capabilities() throws {
        let listed = Self.strings(Self.linux["capabilities"])
        #expect(listed == CapabilityPlan.names)
        for (number, name) in listed.enumerated() {
            #expect(CapabilityPlan.number(name) == number)
            var caps = Spec.Capabilities()
            caps.bounding = [name]
            let (plan, notes) = try CapabilityPlan.compile(caps, lastCap: 63)
            #expect(plan.bounding == 1 << UInt64(number) && notes.isEmpty, "\(name)")
        }
    }

    // MARK: seccomp

    /// Whether a BPF program returns `value` somewhere (BPF_RET|BPF_K, k == value).
    static func returns(_ program: [UInt8], _ value: UInt32) -> Bool {
        stride(from: 0, to: program.count, by: 8).contains { i in
            let code = UInt16(program[i]) | UInt16(program[i + 1]) << 8
            let k = UInt32(program[i + 4]) | UInt32(program[i + 5]) << 8 | UInt32(program[i + 6]) << 16 | UInt32(program[i + 7]) << 24
            return code == 0x06 && k == value
        }
    }

    @Test("every listed action parses and compiles into the filter; every action of the spec model is listed")
    func seccompActions() throws {
        let listed = Self.strings(Self.seccomp["actions"])
        #expect(Set(listed) == Set(Spec.Seccomp.Action.allCases.map(\.rawValue)))
        for name in listed {
            let action = try #require(Spec.Seccomp.Action(rawValue: name))
            var profile = Spec.Seccomp(defaultAction: action == .allow ? .errno : .allow)
            profile.syscalls = [Spec.Seccomp.Syscall(names: ["getpid"], action: action, errnoRet: 38)]
            let (program, _) = try SeccompCompiler.build(profile)
            #expect(Self.returns(program, SeccompCompiler.action(action, errno: 38)), "\(name) is not in the program")
        }
    }

    @Test("every listed operator compiles into a rule; every operator of the spec model is listed")
    func seccompOperators() throws {
        let listed = Self.strings(Self.seccomp["operators"])
        #expect(Set(listed) == Set(Spec.Seccomp.Operator.allCases.map(\.rawValue)))
        for name in listed {
            let op = try #require(Spec.Seccomp.Operator(rawValue: name))
            #expect(SeccompCompiler.operators[op] != nil)
            var profile = Spec.Seccomp(defaultAction: .allow)
            profile.syscalls = [Spec.Seccomp.Syscall(names: ["personality"], action: .errno,
                                                     args: [Spec.Seccomp.Arg(index: 0, value: 8, valueTwo: 8, op: op)])]
            #expect(!(try SeccompCompiler.build(profile).program.isEmpty), "\(name)")
        }
    }

    @Test("every listed architecture is added to a filter; every other spec name is refused by the compiler")
    func seccompArchitectures() throws {
        let listed = Self.strings(Self.seccomp["archs"])
        #expect(listed.contains("SCMP_ARCH_X86_64") || listed.contains("SCMP_ARCH_AARCH64"), "the native one at least")
        for name in listed {
            var profile = Spec.Seccomp(defaultAction: .allow)
            profile.architectures = [name]
            profile.syscalls = [Spec.Seccomp.Syscall(names: ["getpid"], action: .errno)]
            #expect(throws: Never.self, "\(name)") { try SeccompCompiler.build(profile) }
        }
        for name in SeccompCompiler.architectureNames where !listed.contains(name) {
            var profile = Spec.Seccomp(defaultAction: .allow)
            profile.architectures = [name]
            #expect(throws: RuntimeError.self, "\(name) works but is not listed") { try SeccompCompiler.build(profile) }
        }
    }

    @Test("knownFlags is the compiler's flag table; supportedFlags is what the host probe found, within it")
    func seccompFlags() throws {
        let known = Self.strings(Self.seccomp["knownFlags"])
        #expect(Set(known) == Set(SeccompCompiler.filterFlags.keys))
        for flag in known {
            var profile = Spec.Seccomp(defaultAction: .allow)
            profile.flags = [flag]
            #expect(try SeccompCompiler.compile(profile, cache: nil).flags == SeccompCompiler.filterFlags[flag])
        }
        #expect(Self.strings(Self.seccomp["supportedFlags"]) == ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC"])
    }

    @Test("the kernel probe: a flag this kernel has is found, an unknown bit is not, nothing is installed")
    func seccompProbe() throws {
        let probed = FeaturesDocument.Host.probe()
        #expect(probed.libseccompVersion?.split(separator: ".").count == 3)
        // SECCOMP_FILTER_FLAG_LOG: Linux 4.14.
        #expect(probed.seccompFlags.contains("SECCOMP_FILTER_FLAG_LOG"))
        #expect(cshim_seccomp_flags_probe(1 << 30) == -1 && cshim_errno() == EINVAL)
        // A filter installed on this test process would show here.
        let status = FileIO.readText("/proc/self/status") ?? ""
        #expect(status.split(separator: "\n").contains { $0.hasPrefix("Seccomp:") && $0.hasSuffix("0") })
    }

    // MARK: cgroups, LSMs and what Unapplied lists

    @Test("cgroup: v2 only (no v2 hierarchy means no cgroup), and rdma limits become rdma.max")
    func cgroup() throws {
        let cgroup = Self.linux["cgroup"]
        #expect(cgroup?["v1"]?.boolValue == false && cgroup?["v2"]?.boolValue == true)
        #expect(cgroup?["systemd"]?.boolValue == true && cgroup?["systemdUser"]?.boolValue == true)
        let request = CgroupRequest(id: "c1", path: nil, resources: Spec.Resources(), writes: CgroupResourcePlan(), devices: nil)
        let manager = try CgroupManagers.choose(identity: Identities.root, systemd: false, hierarchy: nil, request: request)
        #expect(manager is DisabledCgroupManager)
        var resources = Spec.Resources()
        resources.rdma = ["mlx4_0": Spec.Resources.RDMA(hcaHandles: 2, hcaObjects: 3)]
        let writes = try CgroupResourcePlan.compile(resources).writes
        #expect(cgroup?["rdma"]?.boolValue == writes.contains { $0.file == "rdma.max" })
    }

    @Test("nothing Unapplied lists is claimed: intelRdt off; idmapped mounts on since they are applied")
    func unappliedNotClaimed() {
        #expect(Self.linux["intelRdt"]?["enabled"]?.boolValue == !Unapplied.all.contains("linux.intelRdt"))
        #expect(Self.linux["intelRdt"]?["enabled"]?.boolValue == false)
        let idmap = Self.linux["mountExtensions"]?["idmap"]?["enabled"]?.boolValue
        #expect(idmap == !(Unapplied.all.contains("mounts[].uidMappings") || Unapplied.all.contains("mounts[].gidMappings")))
        for stage in Self.strings(Self.document["hooks"]) { #expect(!Unapplied.all.contains("hooks.\(stage)")) }
    }

    @Test("AppArmor and SELinux are claimed because the plan carries them to the process")
    func lsm() throws {
        var process = Spec.Process(user: Spec.User(uid: 0, gid: 0), args: ["sh"], cwd: "/")
        process.selinuxLabel = "system_u:system_r:container_t:s0"
        let (plan, notes) = try LSMPlan.compile(process, mountLabel: "system_u:object_r:container_file_t:s0")
        if LSMPlan.seLinuxEnabled() {
            #expect(plan.selinuxLabel == process.selinuxLabel && plan.mountLabel != nil)
        } else {
            // Skipped with a note, as runc's SELinux library does, not silently.
            #expect(notes.count == 1)
        }
        process.selinuxLabel = nil
        process.apparmorProfile = "rsrun-test-profile"
        if LSMPlan.appArmorEnabled() {
            #expect(try LSMPlan.compile(process, mountLabel: nil).0.apparmorProfile == "rsrun-test-profile")
        } else {
            #expect(throws: RuntimeError.self) { try LSMPlan.compile(process, mountLabel: nil) }
        }
        #expect(Self.linux["apparmor"]?["enabled"]?.boolValue == true && Self.linux["selinux"]?["enabled"]?.boolValue == true)
    }
}
