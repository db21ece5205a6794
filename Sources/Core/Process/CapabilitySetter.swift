import CShim
import Glibc
import Rootless

/// The child's side of `CapabilityPlan`, in runc's order around the switch to the container
/// user: bounding set first (dropping needs CAP_SETPCAP, which we still have), keep the
/// permitted set across setresuid, then the three sets with capset(2), then ambient.
enum CapabilitySetter {
    static func dropBounding(_ plan: CapabilityPlan) throws {
        for cap in 0...plan.lastCap where plan.bounding & (1 << UInt64(cap)) == 0 {
            if cshim_prctl(CSHIM_PR_CAPBSET_DROP, UInt(cap), 0, 0, 0) != 0 {
                throw RuntimeError(path: "process.capabilities.bounding", "drop \(CapabilityPlan.names[cap])", errno: cshim_errno())
            }
        }
        // Without this, setresuid to a non-zero uid would empty the permitted set.
        _ = cshim_prctl(CSHIM_PR_SET_KEEPCAPS, 1, 0, 0, 0)
    }

    static func apply(_ plan: CapabilityPlan) throws {
        _ = cshim_prctl(CSHIM_PR_SET_KEEPCAPS, 0, 0, 0, 0)
        var header: [UInt32] = [0x2008_0522, 0]   // _LINUX_CAPABILITY_VERSION_3, this thread
        let data: [UInt32] = [
            UInt32(truncatingIfNeeded: plan.effective), UInt32(truncatingIfNeeded: plan.permitted),
            UInt32(truncatingIfNeeded: plan.inheritable),
            UInt32(truncatingIfNeeded: plan.effective >> 32), UInt32(truncatingIfNeeded: plan.permitted >> 32),
            UInt32(truncatingIfNeeded: plan.inheritable >> 32),
        ]
        if cshim_capset(&header, data) != 0 {
            throw RuntimeError(path: "process.capabilities", "capset", errno: cshim_errno())
        }
        _ = cshim_prctl(CSHIM_PR_CAP_AMBIENT, UInt(CSHIM_PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0)
        for cap in 0...plan.lastCap where plan.ambient & (1 << UInt64(cap)) != 0 {
            if cshim_prctl(CSHIM_PR_CAP_AMBIENT, UInt(CSHIM_PR_CAP_AMBIENT_RAISE), UInt(cap), 0, 0) != 0 {
                throw RuntimeError(path: "process.capabilities.ambient", "raise \(CapabilityPlan.names[cap])", errno: cshim_errno())
            }
        }
    }
}
