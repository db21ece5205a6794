/// How a new user namespace gets its uid and gid maps, decided from the Identity before
/// clone3. `IDMapWriter` carries it out while the child waits.
public struct IDMapPlan: Sendable, Equatable {
    public enum Method: Sendable, Equatable {
        /// We hold CAP_SETUID/CAP_SETGID over the parent namespace (real root, or uid 0 of a
        /// user namespace that has the ids): write the files ourselves.
        case direct
        /// Unprivileged, mapping only our own ids: the kernel allows writing these ourselves
        /// once setgroups is denied.
        case ownIDs
        /// Unprivileged, with subordinate ranges: the setuid helpers write them.
        case helpers(IDMapHelpers)
    }

    public var uids: [IDMapping]
    public var gids: [IDMapping]
    public var method: Method
    /// setgroups(2) will be denied in the new namespace: no supplementary groups there.
    public var setgroupsDenied: Bool
    /// What to call the two maps in messages (`linux.uidMappings`).
    public var uidField: String
    public var gidField: String
    /// The caller, for explaining a helper's refusal against /etc/subuid.
    public var callerUID: UInt32
    public var callerGID: UInt32

    public var methodName: String {
        switch method {
        case .direct: return "direct"
        case .ownIDs: return "own-ids"
        case .helpers: return "newuidmap"
        }
    }
}

extension Identity {
    /// The maps for a container's new user namespace and how to write them. Empty maps
    /// default to our own id as root for an unprivileged caller, as runc does rootless.
    /// Every refusal here happens before anything is created, naming the field at fault.
    public func idMapPlan(uids: [IDMapping], gids: [IDMapping],
                          uidField: String = "linux.uidMappings", gidField: String = "linux.gidMappings") throws -> IDMapPlan {
        var plan = IDMapPlan(uids: uids, gids: gids, method: .direct, setgroupsDenied: !canSetGroups,
                             uidField: uidField, gidField: gidField, callerUID: uid, callerGID: gid)
        for (field, ranges) in [(uidField, uids), (gidField, gids)] {
            if let (index, message) = ranges.mapProblem() { throw RuntimeError(path: "\(field)[\(index)]", message) }
        }
        guard !privileged else {
            if uids.isEmpty { throw RuntimeError(path: uidField, "required when a new user namespace is requested") }
            if gids.isEmpty { throw RuntimeError(path: gidField, "required when a new user namespace is requested") }
            try requireOwnRanges(plan)
            return plan
        }
        if plan.uids.isEmpty { plan.uids = selfUIDMapping }
        if plan.gids.isEmpty { plan.gids = selfGIDMapping }
        let ownUIDOnly = plan.uids == selfUIDMapping
        let ownGIDOnly = plan.gids == selfGIDMapping
        if ownUIDOnly && ownGIDOnly {
            plan.method = .ownIDs
            plan.setgroupsDenied = true
            return plan
        }
        plan.method = .helpers(try IDMapHelpers.locate(environment))
        // newgidmap itself writes "deny" when the only gid it maps is the caller's own.
        plan.setgroupsDenied = ownGIDOnly
        return plan
    }

    /// uid 0 in a user namespace can map only ids that namespace has.
    func requireOwnRanges(_ plan: IDMapPlan) throws {
        guard let own = ownMappings else { return }
        for (field, ranges, have) in [(plan.uidField, plan.uids, own.uids), (plan.gidField, plan.gids, own.gids)] {
            let inside = have.insideIdentity
            for (i, range) in ranges.enumerated() {
                if !inside.coversHostIDs(range.hostID, count: range.size) {
                    let has = have.map { IDMapping.span($0.containerID, $0.size) }.joined(separator: ", ")
                    throw RuntimeError(path: "\(field)[\(i)]",
                        "host ids \(range.hostSpan) do not exist in the user namespace rsrun runs in (it has \(has)); "
                        + "create that namespace with newuidmap/newgidmap and your subordinate ranges "
                        + "(podman unshare, or unshare --map-root-user --map-auto) instead of unshare -r, or map only the ids it has")
                }
            }
        }
    }
}

extension IDMapPlan {
    /// Why setgroups(2) is denied in the new namespace, and what to change, for errors about
    /// supplementary groups.
    public var setgroupsAdvice: String {
        switch method {
        case .ownIDs:
            return "the kernel denies setgroups in a user namespace whose gid map an unprivileged user wrote itself; "
                + "map a range from /etc/subgid in \(gidField) as well (newgidmap writes it)"
        case .helpers:
            return "newgidmap denies setgroups when the only gid it maps is your own; add a range from /etc/subgid to \(gidField)"
        case .direct:
            return Identity.inheritedSetgroupsAdvice
        }
    }
}

extension Identity {
    public static let inheritedSetgroupsAdvice =
        "setgroups is denied in the user namespace rsrun runs in (unshare -r leaves it so) and in every namespace below it; "
        + "run rsrun in a namespace whose gid map newgidmap wrote (podman unshare, unshare --map-root-user --map-auto)"
}
