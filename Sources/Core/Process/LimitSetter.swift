import CShim
import Glibc
import Rootless

/// The child's side of `ProcessLimits`: rlimits, CPU and I/O scheduling of the container
/// process, set before it changes user (they are inherited across execve).
enum LimitSetter {
    static func apply(_ process: ProcessPlan) throws {
        for step in process.rlimits {
            var value = rlimit(rlim_cur: rlim_t(step.soft), rlim_max: rlim_t(step.hard))
            if setrlimit(__rlimit_resource_t(UInt32(step.resource)), &value) != 0 {
                throw RuntimeError(path: step.specPath, "setrlimit", errno: cshim_errno())
            }
        }
        if let s = process.scheduler {
            // struct sched_attr, SCHED_ATTR_SIZE_VER1 (56 bytes) with utilization clamps unset.
            var attr: [UInt32] = Array(repeating: 0, count: 14)
            attr[0] = 56
            attr[1] = s.policy
            attr[2] = UInt32(truncatingIfNeeded: s.flags); attr[3] = UInt32(truncatingIfNeeded: s.flags >> 32)
            attr[4] = UInt32(bitPattern: s.nice)
            attr[5] = s.priority
            for (i, value) in [s.runtime, s.deadline, s.period].enumerated() {
                attr[6 + 2 * i] = UInt32(truncatingIfNeeded: value); attr[7 + 2 * i] = UInt32(truncatingIfNeeded: value >> 32)
            }
            if cshim_sched_setattr(0, &attr, 0) != 0 {
                throw RuntimeError(path: "process.scheduler", "sched_setattr", errno: cshim_errno())
            }
        }
        if let io = process.ioPriority, cshim_ioprio_set(1, 0, io) != 0 {   // IOPRIO_WHO_PROCESS, ourselves
            throw RuntimeError(path: "process.ioPriority", "ioprio_set", errno: cshim_errno())
        }
    }
}
