import CShim
import Glibc
import Rootless

/// `linux.seccomp`, compiled by libseccomp in the parent into the BPF program the init loads
/// with seccomp(2) right before it reports ready: the child runs no libseccomp code.
public struct SeccompPlan: Sendable, Equatable {
    /// struct sock_filter[] (8 bytes per instruction), as seccomp_export_bpf writes it.
    public var program: [UInt8]
    /// SECCOMP_FILTER_FLAG_* for seccomp(2); NEW_LISTENER when an action is SCMP_ACT_NOTIFY.
    public var flags: UInt32
    /// Where the notify fd goes (SCMP_ACT_NOTIFY only).
    public var listenerPath: String?
    public var listenerMetadata: String?
    /// The SeccompCache key, and whether the program was compiled now (so `create` stores it).
    public var cacheKey: String = ""
    public var compiledNow = false
    /// Syscall names left out (unknown to libseccomp), kept with the cached program.
    public var notes: [String] = []

    public static let flagNewListener: UInt32 = 8
    public var notifies: Bool { flags & SeccompPlan.flagNewListener != 0 }
}

enum SeccompCompiler {
    static let filterFlags: [String: UInt32] = [
        "SECCOMP_FILTER_FLAG_TSYNC": 1, "SECCOMP_FILTER_FLAG_LOG": 2, "SECCOMP_FILTER_FLAG_SPEC_ALLOW": 4,
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": flagWaitKillableRecv,
    ]

    static let flagWaitKillableRecv: UInt32 = 32

    /// The `linux.seccomp.architectures` names of runtime-spec 1.2 (and the four libseccomp
    /// 2.6 added since), for `rsrun features`, which lists those `canAddArchitecture` takes.
    static let architectureNames = [
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
        "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
        "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
        "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
        "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    ]

    /// libseccomp's token for "SCMP_ARCH_X86_64" (or its own spelling, "x86_64"); nil when it
    /// does not know the name.
    static func architectureToken(_ name: String) -> UInt32? {
        let short = name.hasPrefix("SCMP_ARCH_") ? String(name.dropFirst(10)).lowercased() : name.lowercased()
        let token = seccomp_arch_resolve_name(short)
        return token == 0 ? nil : token
    }

    /// Whether `build` can put `name` in a filter: libseccomp knows it and takes it next to
    /// the native architecture (it refuses one of the other byte order with EDOM).
    static func canAddArchitecture(_ name: String) -> Bool {
        guard let token = architectureToken(name), let ctx = seccomp_init(action(.allow, errno: nil)) else { return false }
        defer { seccomp_release(ctx) }
        let rc = seccomp_arch_add(ctx, token)
        return rc == 0 || rc == -EEXIST
    }

    /// The filter flags this kernel accepts, probed with seccomp(2) and no program (nothing is
    /// installed). The kernel takes WAIT_KILLABLE_RECV only together with NEW_LISTENER.
    static func kernelFlags() -> [String] {
        filterFlags.keys.sorted().filter { name in
            let bit = filterFlags[name]!
            let probe = bit == flagWaitKillableRecv ? bit | SeccompPlan.flagNewListener : bit
            return cshim_seccomp_flags_probe(probe) < 0 && cshim_errno() == EFAULT
        }
    }

    /// "2.5.4": the libseccomp linked in, as it reports itself.
    static func libseccompVersion() -> String? {
        guard let version = seccomp_version() else { return nil }
        return "\(version.pointee.major).\(version.pointee.minor).\(version.pointee.micro)"
    }

    /// The libseccomp action value (the SCMP_ACT_* macros, which Swift cannot see).
    static func action(_ action: Spec.Seccomp.Action, errno: UInt32?) -> UInt32 {
        switch action {
        case .kill, .killThread: return 0x0000_0000
        case .killProcess: return 0x8000_0000
        case .trap: return 0x0003_0000
        case .errno: return 0x0005_0000 | ((errno ?? UInt32(EPERM)) & 0xffff)
        case .trace: return 0x7ff0_0000 | ((errno ?? UInt32(EPERM)) & 0xffff)
        case .allow: return 0x7fff_0000
        case .log: return 0x7ffc_0000
        case .notify: return 0x7fc0_0000
        }
    }

    static let operators: [Spec.Seccomp.Operator: scmp_compare] = [
        .notEqual: SCMP_CMP_NE, .lessThan: SCMP_CMP_LT, .lessOrEqual: SCMP_CMP_LE, .equal: SCMP_CMP_EQ,
        .greaterOrEqual: SCMP_CMP_GE, .greaterThan: SCMP_CMP_GT, .maskedEqual: SCMP_CMP_MASKED_EQ,
    ]

    /// Syscall names this libseccomp does not know are skipped, as runc does (profiles list
    /// syscalls of every architecture and kernel); they come back in `notes`.
    static func compile(_ seccomp: Spec.Seccomp, cache: SeccompCache?) throws -> SeccompPlan {
        var flags: UInt32 = 0
        for (i, name) in seccomp.flags.enumerated() {
            guard let bit = filterFlags[name] else {
                throw RuntimeError(path: "linux.seccomp.flags[\(i)]", "unknown seccomp filter flag \(SpecPath.quoted(name))")
            }
            flags |= bit
        }
        if seccomp.defaultAction == .notify || seccomp.syscalls.contains(where: { $0.action == .notify }) {
            guard let path = seccomp.listenerPath, !path.isEmpty else {
                throw RuntimeError(path: "linux.seccomp.listenerPath", "is required when an action is SCMP_ACT_NOTIFY")
            }
            guard path.hasPrefix("/") else { throw RuntimeError(path: "linux.seccomp.listenerPath", "must be an absolute path") }
            flags |= SeccompPlan.flagNewListener
        }
        var plan = SeccompPlan(program: [], flags: flags, listenerPath: seccomp.listenerPath, listenerMetadata: seccomp.listenerMetadata)
        plan.cacheKey = SeccompCache.key(seccomp)
        if let cached = cache?.load(plan.cacheKey) {
            (plan.program, plan.notes) = cached
            return plan
        }
        (plan.program, plan.notes) = try build(seccomp)
        plan.compiledNow = true
        return plan
    }

    /// The libseccomp part: rules in, BPF out.
    static func build(_ seccomp: Spec.Seccomp) throws -> (program: [UInt8], notes: [String]) {
        let defaultAction = action(seccomp.defaultAction, errno: seccomp.defaultErrnoRet)
        guard let ctx = seccomp_init(defaultAction) else {
            throw RuntimeError(path: "linux.seccomp.defaultAction", "libseccomp refused \(seccomp.defaultAction.rawValue)")
        }
        defer { seccomp_release(ctx) }
        // A binary tree of syscall numbers instead of a chain of several hundred compares:
        // cheaper for every syscall the container makes, and for the kernel's action cache,
        // which runs the filter once per syscall number when it is loaded.
        _ = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)
        for (i, name) in seccomp.architectures.enumerated() {
            guard let token = architectureToken(name) else {
                throw RuntimeError(path: "linux.seccomp.architectures[\(i)]", "unknown architecture \(SpecPath.quoted(name))")
            }
            let rc = seccomp_arch_add(ctx, token)
            if rc < 0 && rc != -EEXIST {
                throw RuntimeError(path: "linux.seccomp.architectures[\(i)]", "add \(name)", errno: -rc)
            }
        }
        var notes: [String] = []
        for (i, rule) in seccomp.syscalls.enumerated() {
            let ruleAction = action(rule.action, errno: rule.errnoRet)
            // libseccomp refuses rules that repeat the default; they change nothing anyway.
            if ruleAction == defaultAction { continue }
            let conditions = rule.args.map {
                scmp_arg_cmp(arg: $0.index, op: operators[$0.op]!, datum_a: $0.value, datum_b: $0.valueTwo ?? 0)
            }
            // Conditions on distinct arguments all have to hold (one rule); several on the
            // same argument cannot be one rule in libseccomp, so each is a rule of its own.
            let distinct = Set(rule.args.map(\.index)).count == rule.args.count
            let groups = distinct ? [conditions] : conditions.map { [$0] }
            for name in rule.names {
                let number = seccomp_syscall_resolve_name(name)
                if number == __NR_SCMP_ERROR {
                    notes.append("linux.seccomp.syscalls[\(i)]: \(name) skipped: unknown to libseccomp")
                    continue
                }
                for group in groups {
                    let rc = group.withUnsafeBufferPointer {
                        seccomp_rule_add_array(ctx, ruleAction, number, UInt32($0.count), $0.baseAddress)
                    }
                    if rc < 0 {
                        throw RuntimeError(path: "linux.seccomp.syscalls[\(i)]", "\(name): libseccomp refused the rule", errno: -rc)
                    }
                }
            }
        }
        return (try export(ctx), notes)
    }

    /// libseccomp 2.5 writes the program only to an fd.
    static func export(_ ctx: scmp_filter_ctx) throws -> [UInt8] {
        let fd = cshim_memfd_create("rsrun-seccomp", 1)   // MFD_CLOEXEC
        guard fd >= 0 else { throw RuntimeError.system("memfd_create for the seccomp program") }
        defer { close(fd) }
        let rc = seccomp_export_bpf(ctx, fd)
        if rc < 0 { throw RuntimeError(path: "linux.seccomp", "export the filter", errno: Int32(-rc)) }
        lseek(fd, 0, SEEK_SET)
        guard let bytes = FileIO.readAll(fd: fd), bytes.count % 8 == 0, bytes.count / 8 <= Int(UInt16.max) else {
            throw RuntimeError(path: "linux.seccomp", "the compiled filter is unreadable or too long")
        }
        return bytes
    }
}
