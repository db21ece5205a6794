/// `rsrun features`: the runtime-spec features document (features.md, features-linux.md).
///
/// Every list is read from the table the code itself uses (MountOptions, CapabilityPlan,
/// PlanCompiler.namespaceFlags, the seccomp enums and SeccompCompiler, Spec.Hooks.Stage), and
/// anything `Unapplied` lists is never claimed, so the document cannot promise more than
/// `create` does. Pure apart from `Host.probe()`: the two facts only the host can tell come in
/// as a value, which keeps the builder testable.
public enum FeaturesDocument {
    /// rsrun's own annotations (its version, the fields it parses but does not apply yet).
    public static let annotationPrefix = "org.rsrun."

    /// What the running host decides: the libseccomp linked in, and the seccomp filter flags
    /// the kernel accepts (features-linux.md allows `supportedFlags` to depend on both).
    public struct Host: Sendable, Equatable {
        public var libseccompVersion: String?
        public var seccompFlags: [String]

        public init(libseccompVersion: String?, seccompFlags: [String]) {
            self.libseccompVersion = libseccompVersion
            self.seccompFlags = seccompFlags
        }

        public static func probe() -> Host {
            Host(libseccompVersion: SeccompCompiler.libseccompVersion(), seccompFlags: SeccompCompiler.kernelFlags())
        }
    }

    /// The document, keys in the order runc prints them.
    public static func build(version: String, host: Host) -> JSONValue {
        var annotations: [(String, JSONValue)] = []
        if let libseccomp = host.libseccompVersion { annotations.append(("io.github.seccomp.libseccomp.version", .string(libseccomp))) }
        annotations.append((annotationPrefix + "version", .string(version)))
        if !Unapplied.all.isEmpty {
            annotations.append((annotationPrefix + "unapplied", .string(Unapplied.all.joined(separator: ","))))
        }
        return object([
            ("ociVersionMin", .string(Spec.oldestVersion)),
            ("ociVersionMax", .string(Spec.version)),
            ("hooks", strings(hooks)),
            ("mountOptions", strings(mountOptions)),
            ("linux", linux(host)),
            ("annotations", object(annotations)),
            // rsrun acts on no config.json annotation: they only reach the state and the hooks.
            ("potentiallyUnsafeConfigAnnotations", .array([])),
        ])
    }

    static func linux(_ host: Host) -> JSONValue {
        let cgroup = CgroupManagers.support
        var linux: [(String, JSONValue)] = [
            ("namespaces", strings(namespaces)),
            ("capabilities", strings(CapabilityPlan.names)),
            ("cgroup", object([
                ("v1", .bool(cgroup.v1)), ("v2", .bool(cgroup.v2)), ("systemd", .bool(cgroup.systemd)),
                ("systemdUser", .bool(cgroup.systemdUser)), ("rdma", .bool(cgroup.rdma && applied("linux.resources.rdma"))),
            ])),
        ]
        if applied("linux.seccomp") {
            let known = SeccompCompiler.filterFlags.keys.sorted()
            linux.append(("seccomp", object([
                ("enabled", .bool(true)),
                ("actions", strings(Spec.Seccomp.Action.allCases.map(\.rawValue).sorted())),
                ("operators", strings(Spec.Seccomp.Operator.allCases.filter { SeccompCompiler.operators[$0] != nil }.map(\.rawValue).sorted())),
                ("archs", strings(architectures)),
                ("knownFlags", strings(known)),
                ("supportedFlags", strings(known.filter(host.seccompFlags.contains))),
            ])))
        } else {
            linux.append(("seccomp", object([("enabled", .bool(false))])))
        }
        linux += [
            ("apparmor", object([("enabled", .bool(LSMPlan.support.apparmor && applied("process.apparmorProfile")))])),
            ("selinux", object([("enabled", .bool(LSMPlan.support.selinux && applied("process.selinuxLabel")))])),
            ("intelRdt", object([("enabled", .bool(applied("linux.intelRdt")))])),
            ("mountExtensions", object([
                ("idmap", object([("enabled", .bool(applied("mounts[].uidMappings") && applied("mounts[].gidMappings")))])),
            ])),
        ]
        return object(linux)
    }

    /// The hook stages the lifecycle runs, in the spec's order.
    static var hooks: [String] {
        Spec.Hooks.Stage.allCases.map(\.rawValue).filter { applied("hooks.\($0)") }
    }

    static var mountOptions: [String] { MountOptions.names }

    /// Every namespace type the plan compiler has a clone flag for.
    static var namespaces: [String] {
        NamespaceKind.allCases.filter { PlanCompiler.namespaceFlags[$0] != nil }.map(\.rawValue).sorted()
    }

    /// The spec's architecture names a filter can hold: those the linked libseccomp knows, of
    /// the native byte order (a fact of the binary, not of the host it runs on).
    static var architectures: [String] {
        SeccompCompiler.architectureNames.filter(SeccompCompiler.canAddArchitecture).sorted()
    }

    /// False when `Unapplied` lists the field: parsed, but not acted on.
    static func applied(_ field: String) -> Bool { !Unapplied.all.contains(field) }

    static func strings(_ items: [String]) -> JSONValue { .array(items.map { .string($0) }) }

    static func object(_ entries: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(entries.map { (key: $0.0, value: $0.1) }))
    }
}
