import Rootless

/// One device cgroup rule in the kernel's terms (struct bpf_cgroup_dev_ctx): what the device
/// program tests. nil fields match anything.
public struct DeviceCgroupRule: Sendable, Equatable {
    /// BPF_DEVCG_DEV_*
    public enum Kind: UInt32, Sendable {
        case block = 1
        case char = 2
    }

    // BPF_DEVCG_ACC_*
    public static let mknod: UInt32 = 1
    public static let read: UInt32 = 2
    public static let write: UInt32 = 4
    public static let anyAccess: UInt32 = 7

    public var allow: Bool
    public var kind: Kind?
    public var major: UInt32?
    public var minor: UInt32?
    /// BPF_DEVCG_ACC_* bits, never 0.
    public var access: UInt32

    public init(allow: Bool, kind: Kind? = nil, major: UInt32? = nil, minor: UInt32? = nil, access: UInt32 = anyAccess) {
        self.allow = allow
        self.kind = kind
        self.major = major
        self.minor = minor
        self.access = access
    }

    /// Every device, every access: everything listed before it no longer matters.
    public var coversEverything: Bool {
        kind == nil && major == nil && minor == nil && access == Self.anyAccess
    }
}

/// `linux.resources.devices` plus the devices every container gets, in the order the device
/// program applies them: the last rule that matches a device and names an access decides
/// that access.
public enum DeviceRules {
    /// runc's list (libcontainer/specconv AllowedDevices), which crun has too: mknod of any
    /// node (opening one is still checked), then the nodes rsrun creates in every /dev.
    public static let defaults: [DeviceCgroupRule] = [
        DeviceCgroupRule(allow: true, kind: .char, access: DeviceCgroupRule.mknod),
        DeviceCgroupRule(allow: true, kind: .block, access: DeviceCgroupRule.mknod),
        DeviceCgroupRule(allow: true, kind: .char, major: 1, minor: 3),  // null
        DeviceCgroupRule(allow: true, kind: .char, major: 1, minor: 8),  // random
        DeviceCgroupRule(allow: true, kind: .char, major: 1, minor: 7),  // full
        DeviceCgroupRule(allow: true, kind: .char, major: 5, minor: 0),  // tty
        DeviceCgroupRule(allow: true, kind: .char, major: 1, minor: 5),  // zero
        DeviceCgroupRule(allow: true, kind: .char, major: 1, minor: 9),  // urandom
        DeviceCgroupRule(allow: true, kind: .char, major: 5, minor: 1),  // console
        DeviceCgroupRule(allow: true, kind: .char, major: 136),  // /dev/pts/*
        DeviceCgroupRule(allow: true, kind: .char, major: 5, minor: 2),  // ptmx
    ]

    /// The spec's rules with the defaults where they can be overridden but not wiped out.
    /// runc and crun put the defaults after the spec's rules, so a config cannot deny
    /// /dev/null; here a later spec rule wins over a default. The defaults go right after the
    /// spec's last rule for every device and access (usually the leading `deny a rwm` of
    /// `rsrun spec`, Docker and containerd): that rule would otherwise deny them all, and no
    /// rule before it matters anyway.
    public static func effective(_ spec: [Spec.Resources.DeviceRule]) throws -> [DeviceCgroupRule] {
        var rules: [DeviceCgroupRule] = []
        for (index, rule) in spec.enumerated() {
            rules.append(try convert(rule, field: "linux.resources.devices[\(index)]"))
        }
        let reset = rules.lastIndex(where: \.coversEverything).map { $0 + 1 } ?? 0
        rules.insert(contentsOf: defaults, at: reset)
        return rules
    }

    static func convert(_ rule: Spec.Resources.DeviceRule, field: String) throws -> DeviceCgroupRule {
        let kind: DeviceCgroupRule.Kind?
        switch rule.type {
        case nil, .all?: kind = nil
        case .char?: kind = .char
        case .block?: kind = .block
        }
        return DeviceCgroupRule(
            allow: rule.allow,
            kind: kind,
            major: try number(rule.major, field: field + ".major"),
            minor: try number(rule.minor, field: field + ".minor"),
            access: try access(rule.access, field: field + ".access")
        )
    }

    /// nil and -1 are the spec's `*`.
    static func number(_ value: Int64?, field: String) throws -> UInt32? {
        guard let value, value != -1 else { return nil }
        guard let number = UInt32(exactly: value) else {
            throw RuntimeError(path: field, "must be -1 (any) or between 0 and \(UInt32.max), got \(value)")
        }
        return number
    }

    /// nil and "" mean "rwm".
    static func access(_ text: String?, field: String) throws -> UInt32 {
        guard let text, !text.isEmpty else { return DeviceCgroupRule.anyAccess }
        var bits: UInt32 = 0
        for letter in text.utf8 {
            switch letter {
            case UInt8(ascii: "r"): bits |= DeviceCgroupRule.read
            case UInt8(ascii: "w"): bits |= DeviceCgroupRule.write
            case UInt8(ascii: "m"): bits |= DeviceCgroupRule.mknod
            default:
                throw RuntimeError(path: field, "must be made of \"r\", \"w\" and \"m\", got \(SpecPath.quoted(text))")
            }
        }
        return bits
    }
}
