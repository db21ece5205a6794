import Glibc
import Rootless

/// `process.apparmorProfile`, `process.selinuxLabel` and `linux.mountLabel`, checked against
/// the LSMs this host runs. An AppArmor profile on a host without AppArmor is an error (the
/// container would run unconfined); SELinux labels on a host without SELinux are skipped with
/// a note, as runc's SELinux library does.
public struct LSMPlan: Sendable, Equatable {
    /// Written to /proc/self/attr/apparmor/exec as "exec <profile>" before execve.
    public var apparmorProfile: String?
    /// Written to /proc/self/attr/exec before execve.
    public var selinuxLabel: String?
    /// Added as context="..." to the tmpfs, mqueue and devpts mounts.
    public var mountLabel: String?

    static let mountLabelTypes: Set<String> = ["tmpfs", "mqueue", "devpts"]

    /// For `rsrun features`: both are applied, not only parsed: ProcessLauncher writes the
    /// profile and the label before execve, PlanCompiler puts the mount label on the mounts.
    static let support = (apparmor: true, selinux: true)

    static func appArmorEnabled() -> Bool {
        FileIO.readText("/sys/module/apparmor/parameters/enabled").map { $0.hasPrefix("Y") } ?? false
    }

    static func seLinuxEnabled() -> Bool { FileIO.exists("/sys/fs/selinux/enforce") }

    static func compile(_ process: Spec.Process, mountLabel: String?) throws -> (LSMPlan, notes: [String]) {
        var plan = LSMPlan()
        var notes: [String] = []
        if let profile = process.apparmorProfile, !profile.isEmpty {
            guard appArmorEnabled() else {
                throw RuntimeError(path: "process.apparmorProfile", "\(SpecPath.quoted(profile)) cannot be applied: AppArmor is not enabled "
                    + "on this host (/sys/module/apparmor/parameters/enabled); remove the profile or enable AppArmor")
            }
            plan.apparmorProfile = profile
        }
        let label = process.selinuxLabel.flatMap { $0.isEmpty ? nil : $0 }
        let mount = mountLabel.flatMap { $0.isEmpty ? nil : $0 }
        if label != nil || mount != nil {
            if seLinuxEnabled() {
                plan.selinuxLabel = label
                plan.mountLabel = mount
            } else {
                notes.append("\(label != nil ? "process.selinuxLabel" : "linux.mountLabel") skipped: SELinux is not enabled on this host")
            }
        }
        return (plan, notes)
    }
}
