import CShim
import Glibc

/// Writes a child's uid_map and gid_map as its IDMapPlan says, while the child waits on the
/// sync channel: directly, or through newuidmap and newgidmap run side by side.
public enum IDMapWriter {
    public static func write(pid: Int32, _ plan: IDMapPlan) throws {
        switch plan.method {
        case .direct, .ownIDs:
            try writeDirectly(pid: pid, plan)
        case .helpers(let helpers):
            try runHelpers(pid: pid, helpers, plan)
        }
    }

    static func writeDirectly(pid: Int32, _ plan: IDMapPlan) throws {
        let base = "/proc/\(pid)"
        if !FileIO.writeKnob(base + "/uid_map", plan.uids.mapFileText) {
            throw mapError(plan.uidField, plan.uids, errno: cshim_errno(), plan)
        }
        // The kernel requires "deny" before an unprivileged process writes gid_map.
        if plan.setgroupsDenied && !FileIO.writeKnob(base + "/setgroups", "deny") {
            throw RuntimeError.system("write setgroups", path: base + "/setgroups")
        }
        if !FileIO.writeKnob(base + "/gid_map", plan.gids.mapFileText) {
            throw mapError(plan.gidField, plan.gids, errno: cshim_errno(), plan)
        }
    }

    static func mapError(_ field: String, _ ranges: [IDMapping], errno code: Int32, _ plan: IDMapPlan) -> RuntimeError {
        let text = ranges.map(\.text).joined(separator: " ")
        var hint = ""
        if code == EPERM {
            hint = plan.method == .ownIDs
                ? " (an unprivileged user may map only its own id this way)"
                : " (the ids must exist in the user namespace rsrun runs in)"
        }
        return RuntimeError(path: field, "writing \(text) failed\(hint)", errno: code)
    }

    /// Both helpers run at once: each is a setuid exec that mostly waits on the dynamic
    /// loader and NSS, so the pair costs about as much as one.
    static func runHelpers(pid: Int32, _ helpers: IDMapHelpers, _ plan: IDMapPlan) throws {
        let uidHelper = try HelperProcess.start(helpers.newuidmap, ["\(pid)"] + plan.uids.helperArguments)
        let gidHelper: HelperProcess
        do {
            gidHelper = try HelperProcess.start(helpers.newgidmap, ["\(pid)"] + plan.gids.helperArguments)
        } catch {
            _ = uidHelper.finish()
            throw error
        }
        let uidFailure = uidHelper.finish()
        let gidFailure = gidHelper.finish()
        if let uidFailure { throw refusal(.uid, uidFailure, helpers.newuidmap, plan) }
        if let gidFailure { throw refusal(.gid, gidFailure, helpers.newgidmap, plan) }
    }

    /// Why the helper failed, worked out once it has: a helper without privilege, no range for
    /// us in the file, or the helper's own words and which requested ranges the file does not
    /// grant us.
    static func refusal(_ kind: SubordinateIDs.Kind, _ failure: String, _ helper: String, _ plan: IDMapPlan) -> RuntimeError {
        do { try IDMapHelpers.checkPrivilege(helper, kind) } catch let error as RuntimeError { return error } catch {}
        let (field, ranges, own) = kind == .uid ? (plan.uidField, plan.uids, plan.callerUID) : (plan.gidField, plan.gids, plan.callerGID)
        let name = getpwuid(plan.callerUID).flatMap { $0.pointee.pw_name.map { String(cString: $0) } }
        let text = FileIO.readText(kind.file)
        let granted = text.map { SubordinateIDs.ranges(in: $0, name: name, uid: plan.callerUID) } ?? []
        let nss = SubordinateIDs.nssSources()
        if granted.isEmpty && nss == nil {
            let who = SubordinateIDs.owner(name: name, uid: plan.callerUID)
            let why = text == nil ? "\(kind.file) cannot be read" : "\(kind.file) has no range for \(who)"
            return RuntimeError(path: field,
                "\(why), so \(kind.helper) cannot map these ids; \(SubordinateIDs.howToAdd(kind, name: name ?? "\(plan.callerUID)", fileText: text)), "
                + "or map only your own id")
        }
        var message = "\(kind.helper) refused the mapping: \(failure)"
        let allowed = granted.map { IDMapping(containerID: 0, hostID: $0.start, size: $0.count) }
        let outside = ranges.filter { !($0.size == 1 && $0.hostID == own) && !allowed.coversHostIDs($0.hostID, count: $0.size) }
        if !outside.isEmpty {
            let have = granted.isEmpty ? "none" : granted.map(\.text).joined(separator: ", ")
            message += "; host ids \(outside.map(\.hostSpan).joined(separator: ", ")) are outside your ranges in \(kind.file) (\(have))"
                + " and your own id \(own)"
            if let nss { message += " (ranges from NSS, subid: \(nss), are not listed)" }
        }
        return RuntimeError(path: field, message)
    }
}
