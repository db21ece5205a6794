import CShim
import Glibc
import Rootless

/// Idmapped bind mounts: a detached copy of the source (open_tree OPEN_TREE_CLONE) is given
/// its mapping (mount_setattr MOUNT_ATTR_IDMAP with a MappingNamespace) and attached at the
/// target (move_mount).
///
/// The kernel lets only a holder of CAP_SYS_ADMIN over the user namespace that owns the source's
/// filesystem idmap it. So rsrun, privileged, makes the detached trees before clone3 (after it the
/// init may be in a user namespace of its own, without that power over the host's filesystems)
/// and the init inherits them over clone3; an unprivileged caller's init makes its own, which
/// the kernel allows only for filesystems mounted inside the container.
enum IDMappedMount {
    /// What `prepare` made: the trees the init inherits and the mapping namespaces' helpers.
    struct Prepared {
        var trees: [Int32] = []
        var namespaces: [MappingNamespace] = []

        /// Once the init is cloned (or on failure): closes our copies, reaps the helpers.
        func release() {
            for fd in trees { close(fd) }
            for namespace in namespaces { namespace.release() }
        }
    }

    /// Before clone3: a detached, idmapped tree for each mount rsrun builds, recorded in its step;
    /// one mapping namespace for each distinct mapping. No idmapped mount: nothing is done.
    static func prepare(_ plan: inout ContainerPlan) throws -> Prepared {
        var prepared = Prepared()
        guard plan.mounts.contains(where: { $0.idmap?.builder == .runtime }) else { return prepared }
        var byMaps: [String: Int32] = [:]
        do {
            for i in plan.mounts.indices {
                guard let idmap = plan.mounts[i].idmap, idmap.builder == .runtime else { continue }
                if byMaps[idmap.mapsKey] == nil {
                    let namespace = try MappingNamespace.make(idmap)
                    prepared.namespaces.append(namespace)
                    byMaps[idmap.mapsKey] = namespace.fd
                }
                let tree = try detachedTree(plan.mounts[i], userns: byMaps[idmap.mapsKey]!)
                prepared.trees.append(tree)
                plan.mounts[i].detachedTree = tree
            }
        } catch {
            prepared.release()
            throw error
        }
        return prepared
    }

    /// In the init: the step's idmapped tree (inherited, or made here) attached onto `target`,
    /// the destination MountExecutor opened inside the rootfs. The flags a bind takes only by
    /// remounting follow there, as for any bind.
    static func bind(_ step: MountStep, onto target: Int32) throws {
        var tree = step.detachedTree
        if tree < 0, let idmap = step.idmap {
            // Ranges in host ids mean something else once written from inside the container.
            guard idmap.builder == .containerInit else {
                throw RuntimeError(path: step.specPath, "internal error: the idmapped mount of \(step.source) was not prepared before clone3")
            }
            let namespace = try MappingNamespace.make(idmap)
            defer { namespace.release() }
            tree = try detachedTree(step, userns: namespace.fd)
        }
        defer { close(tree) }
        if !ContainerRoot.attach(tree, onto: target) {
            throw MountExecutor.failure(step, "attach the idmapped mount of \(step.source)")
        }
    }

    /// A private copy of the source (its submounts too for rbind), not attached anywhere, shown
    /// through `userns`'s maps (down the copied tree for ridmap).
    static func detachedTree(_ step: MountStep, userns: Int32) throws -> Int32 {
        guard let idmap = step.idmap else { throw RuntimeError(path: step.specPath, "no idmapping planned") }
        var flags = CSHIM_OPEN_TREE_CLONE | CSHIM_OPEN_TREE_CLOEXEC
        if step.flags & UInt(MS_REC) != 0 { flags |= UInt32(CSHIM_AT_RECURSIVE) }
        let tree = cshim_open_tree(AT_FDCWD, step.source, flags)
        if tree < 0 { throw refusal(step, idmap, call: "open_tree", errno: cshim_errno()) }
        var attr = cshim_mount_attr(attr_set: MountAttribute.idmap, attr_clr: 0, propagation: 0, userns_fd: UInt64(userns))
        let at = UInt32(CSHIM_AT_EMPTY_PATH) | (idmap.recursive ? UInt32(CSHIM_AT_RECURSIVE) : 0)
        if cshim_mount_setattr(tree, "", at, &attr) != 0 {
            let code = cshim_errno()
            close(tree)
            throw refusal(step, idmap, call: "mount_setattr", errno: code)
        }
        return tree
    }

    /// What a refusal means, in the words of the rules the kernel applies (fs/namespace.c).
    static func refusal(_ step: MountStep, _ idmap: MountIDMapping, call: String, errno code: Int32) -> RuntimeError {
        let what = "idmapped mount of \(step.source)"
        switch (call, code) {
        case (_, ENOSYS):
            return RuntimeError(path: step.specPath, "\(what): this kernel has no \(call) (idmapped mounts need Linux 5.12 or later)", errno: code)
        case ("open_tree", EPERM), ("mount_setattr", EPERM), ("mount_setattr", EINVAL):
            let why: String
            if call == "open_tree" {
                why = "copying the source needs CAP_SYS_ADMIN over the mount namespace rsrun runs in, "
                    + "which a user namespace made without a mount namespace of its own (unshare -r) does not give"
            } else if code == EINVAL {
                why = "its file system type cannot be idmapped on this kernel, or the mapping is the one the file system already has"
            } else if idmap.builder == .containerInit {
                why = "rootless, only a file system mounted inside the container's user namespace can be idmapped, "
                    + "and \(step.source) belongs to the host"
            } else {
                why = "its file system belongs to a user namespace rsrun holds no CAP_SYS_ADMIN in, or the source is already idmapped"
            }
            return RuntimeError(path: step.specPath, "\(what): the file system or mode does not support idmapped mounts (\(why))", errno: code)
        default:
            return RuntimeError(path: step.specPath, "\(what): \(call)", errno: code)
        }
    }
}
