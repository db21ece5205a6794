import CShim
import Glibc
import Rootless

/// The child's side of `SeccompPlan`: one seccomp(2) call with the program the parent built.
enum SeccompLoader {
    /// Returns the notify listener fd when the filter has one, else -1.
    @discardableResult
    static func load(_ plan: SeccompPlan) throws -> Int32 {
        let rc = plan.program.withUnsafeBytes {
            cshim_seccomp_load(plan.flags, UInt16(plan.program.count / 8), $0.baseAddress)
        }
        if rc < 0 { throw RuntimeError(path: "linux.seccomp", "load the filter", errno: cshim_errno()) }
        return plan.notifies ? rc : -1
    }
}
