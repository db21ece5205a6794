import CShim
import Glibc
import Rootless

/// Entering the namespaces of `linux.namespaces[].path`, through the fds `create` opened.
///
/// Usually the init enters them itself after its clone3, and `create` costs no extra process.
/// When a user or pid namespace is joined, or a new user namespace would have no say over the
/// joined ones (NamespaceJoins.beforeClone), rsrun's child is an intermediate instead: it
/// joins the user namespace first, then the others, then makes the init with the one clone3
/// that creates the container's new namespaces (owned by the joined user namespace, and in
/// the joined pid namespace), as rsrun's own child (SiblingFork), and exits.
enum NamespaceJoin {
    static func enter(_ joins: NamespaceJoins) throws {
        for entry in joins.entries {
            if cshim_setns(entry.fd, Int32(truncatingIfNeeded: entry.flag)) != 0 {
                let code = cshim_errno()
                // Joining needs CAP_SYS_ADMIN over the namespace's owner, which only its user
                // namespace gives an unprivileged caller.
                let hint = code == EPERM && entry.kind != .user && !joins.joinsUser
                    ? " (join the user namespace that owns it too: a user entry with a path)" : ""
                throw RuntimeError(path: entry.field, "join \(entry.path)\(hint)", errno: code)
            }
            close(entry.fd)
        }
    }

    /// The intermediate, in rsrun's child: returns in the init, with every namespace joined;
    /// reports its failure on `channel` and exits otherwise.
    static func enterThenClone(_ joins: NamespaceJoins, flags: UInt64, channel: Int32) {
        _ = cshim_prctl(CSHIM_PR_SET_PDEATHSIG, UInt(SIGKILL), 0, 0, 0)
        do {
            try enter(joins)
            try SiblingFork.fork(flags: flags, channel: channel, what: "create the container's init in the joined namespaces")
        } catch {
            SyncChannel.send(channel, .error("\(error)"))
            _exit(1)
        }
    }

    /// In rsrun: the init the intermediate made, once it has reported it; the intermediate
    /// reaped. On failure the caller kills and reaps the intermediate (`intermediate`).
    static func awaitInit(_ channel: Int32, intermediate: InitSpawner.Spawned) throws -> InitSpawner.Spawned {
        switch SyncChannel.receive(channel) {
        case .pid(let pid):
            return try SiblingFork.adopt(pid, from: intermediate, what: "the container's init")
        case .error(let text):
            throw RuntimeError(text)
        default:
            throw RuntimeError("the process joining the container's namespaces exited during set-up")
        }
    }
}
