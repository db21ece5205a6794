import Glibc
import Rootless

/// One `process.rlimits` entry as setrlimit(2) takes it.
public struct RlimitStep: Sendable, Equatable {
    public var resource: Int32
    public var soft: UInt64
    public var hard: UInt64
    public var specPath: String
}

/// `process.scheduler` as struct sched_attr wants it.
public struct SchedulerPlan: Sendable, Equatable {
    public var policy: UInt32
    public var flags: UInt64
    public var nice: Int32
    public var priority: UInt32
    public var runtime: UInt64
    public var deadline: UInt64
    public var period: UInt64
}

/// Limits and priorities of the container process, checked before anything is created against
/// what this caller may do: only root on the host may raise a hard limit, lower oom_score_adj,
/// or ask for real-time CPU or I/O scheduling. Everything else is left to the kernel.
enum ProcessLimits {
    static let hostOnly = "which only root on the host has (a rootless container does not)"

    /// Types, duplicates and soft <= hard were checked by validation.
    static func rlimits(_ limits: [Spec.Rlimit], identity: Identity) throws -> [RlimitStep] {
        try limits.enumerated().map { index, limit in
            let path = "process.rlimits[\(index)]"
            guard let resource = Spec.Rlimit.resources[limit.type] else {
                throw RuntimeError(path: path + ".type", "unknown rlimit type \(SpecPath.quoted(limit.type))")
            }
            if !identity.holdsHostCapabilities {
                var current = rlimit()
                if getrlimit(__rlimit_resource_t(UInt32(resource)), &current) == 0, limit.hard > UInt64(current.rlim_max) {
                    throw RuntimeError(path: path, "\(limit.type) hard limit \(text(limit.hard)) is above the current "
                        + "\(text(UInt64(current.rlim_max))): raising a hard limit needs CAP_SYS_RESOURCE, \(hostOnly); "
                        + "ask for at most \(text(UInt64(current.rlim_max)))")
                }
            }
            return RlimitStep(resource: resource, soft: limit.soft, hard: limit.hard, specPath: path)
        }
    }

    static func text(_ value: UInt64) -> String { value == UInt64.max ? "unlimited" : "\(value)" }

    /// Lowering oom_score_adj below the floor the kernel keeps for us needs CAP_SYS_RESOURCE on the host.
    static func oomScoreAdj(_ value: Int?, identity: Identity) throws -> Int? {
        guard let value, !identity.holdsHostCapabilities else { return value }
        if let current = OOMScoreFloor.current(), value < current, !OOMScoreFloor.mayLower(to: value, from: current) {
            throw RuntimeError(path: "process.oomScoreAdj", "\(value) is below the lowest score rsrun (at \(current)) may set: "
                + "lowering it needs CAP_SYS_RESOURCE, \(hostOnly); ask for \(current) or more")
        }
        return value
    }

    static let policies: [Spec.Scheduler.Policy: UInt32] = [
        .other: 0, .fifo: 1, .roundRobin: 2, .batch: 3, .iso: 4, .idle: 5, .deadline: 6,
    ]
    static let schedulerFlags: [Spec.Scheduler.Flag: UInt64] = [
        .resetOnFork: 0x01, .reclaim: 0x02, .deadlineOverrun: 0x04, .keepPolicy: 0x08, .keepParams: 0x10,
        .utilClampMin: 0x20, .utilClampMax: 0x40,
    ]

    static func scheduler(_ scheduler: Spec.Scheduler?, identity: Identity) throws -> SchedulerPlan? {
        guard let s = scheduler else { return nil }
        let realtime = s.policy == .fifo || s.policy == .roundRobin
        if let nice = s.nice, !(-20...19).contains(nice) {
            throw RuntimeError(path: "process.scheduler.nice", "must be between -20 and 19, got \(nice)")
        }
        let priority = s.priority ?? 0
        if realtime && !(1...99).contains(priority) {
            throw RuntimeError(path: "process.scheduler.priority", "\(s.policy.rawValue) needs a priority between 1 and 99, got \(priority)")
        }
        if !realtime && priority != 0 {
            throw RuntimeError(path: "process.scheduler.priority", "must be 0 for \(s.policy.rawValue), got \(priority)")
        }
        if s.policy == .deadline && (s.runtime == nil || s.deadline == nil || s.period == nil) {
            throw RuntimeError(path: "process.scheduler", "SCHED_DEADLINE needs runtime, deadline and period")
        }
        if (realtime || s.policy == .deadline) && !identity.holdsHostCapabilities {
            throw RuntimeError(path: "process.scheduler.policy", "\(s.policy.rawValue) needs CAP_SYS_NICE, \(hostOnly)")
        }
        return SchedulerPlan(
            policy: policies[s.policy] ?? 0, flags: s.flags.reduce(0) { $0 | (schedulerFlags[$1] ?? 0) },
            nice: s.nice ?? 0, priority: UInt32(priority),
            runtime: s.runtime ?? 0, deadline: s.deadline ?? 0, period: s.period ?? 0)
    }

    /// The ioprio_set(2) value: class in the top bits, level below.
    static func ioPriority(_ io: Spec.IOPriority?, identity: Identity) throws -> Int32? {
        guard let io else { return nil }
        let ioClass: Int32
        switch io.ioClass {
        case .realtime: ioClass = 1
        case .bestEffort: ioClass = 2
        case .idle: ioClass = 3
        }
        if io.ioClass == .realtime && !identity.holdsHostCapabilities {
            throw RuntimeError(path: "process.ioPriority.class", "IOPRIO_CLASS_RT needs CAP_SYS_ADMIN, \(hostOnly)")
        }
        return ioClass << 13 | io.priority
    }
}
