import Rootless

/// An idmapped bind mount (`mounts[].uidMappings`/`gidMappings`, or the `idmap`/`ridmap`
/// options), compiled: the ranges its mapping user namespace gets, and who builds it.
///
/// A range `{containerID, hostID, size}` goes into that namespace's uid_map as it stands, as
/// runc and crun write it: files the source's filesystem records as owned by `containerID`
/// show as `hostID` (the kernel's id, which the container sees through its own user namespace,
/// if it has one), and what the container writes as `hostID` lands on disk as `containerID`.
/// So a host directory owned by 1000 shows as root in a container without a user namespace
/// through `{containerID: 1000, hostID: 0}`, and in one that maps 0 to 100000 through
/// `{containerID: 1000, hostID: 100000}`.
public struct MountIDMapping: Sendable, Equatable {
    public enum Builder: Sendable, Equatable {
        /// rsrun, before clone3, while it holds its privileges over the source's filesystem;
        /// the container's init only attaches the detached tree it inherits.
        case runtime
        /// The container's init, inside its user and mount namespace (an unprivileged caller, who
        /// has no say over the host's filesystems): the ranges below are in the container's ids.
        case containerInit
    }

    public var uids: [IDMapping]
    public var gids: [IDMapping]
    /// `ridmap`: the mounts below an rbind get the mapping too (mount_setattr AT_RECURSIVE).
    public var recursive: Bool
    public var builder: Builder
    /// Where the ranges came from, for messages (`mounts[2].uidMappings`, `mounts[2].options`).
    public var uidField: String
    public var gidField: String

    /// The same user namespace serves every mount with the same ranges.
    var mapsKey: String { uids.mapFileText + "/" + gids.mapFileText }
}

extension MountIDMapping {
    /// The mount's idmapping, or nil when it asks for none. `container`: the maps of the user
    /// namespace the container gets, nil without one. Every refusal names its field.
    static func compile(_ mount: Spec.Mount, path: String, isBind: Bool, container: IDMaps?, identity: Identity) throws -> MountIDMapping? {
        let optionsPath = path + ".options"
        let request = try IDMapOption.parse(mount.options, path: optionsPath)
        let fromFields = !mount.uidMappings.isEmpty || !mount.gidMappings.isEmpty
        guard request != nil || fromFields else { return nil }
        if fromFields {
            // The spec requires both: a mount showing files with one half unmapped is not wanted.
            if mount.uidMappings.isEmpty { throw RuntimeError(path: path + ".uidMappings", "required along with gidMappings") }
            if mount.gidMappings.isEmpty { throw RuntimeError(path: path + ".gidMappings", "required along with uidMappings") }
        }
        guard isBind else {
            throw RuntimeError(path: request != nil ? optionsPath : path + ".uidMappings",
                               "idmapped mounts apply only to bind mounts (bind or rbind in options), as in runc")
        }
        if fromFields, let request, request.uids != nil || request.gids != nil {
            throw RuntimeError(path: optionsPath, "\(request.option) gives ranges that uidMappings and gidMappings give too: keep one of them")
        }
        var mapping = MountIDMapping(uids: [], gids: [], recursive: request?.recursive ?? false, builder: .runtime,
                                     uidField: path + ".uidMappings", gidField: path + ".gidMappings")
        if fromFields {
            mapping.uids = mount.uidMappings
            mapping.gids = mount.gidMappings
        } else if let request {
            (mapping.uids, mapping.uidField) = try resolve(request.uids, "uids", container?.uids, "linux.uidMappings", request, optionsPath)
            (mapping.gids, mapping.gidField) = try resolve(request.gids, "gids", container?.gids, "linux.gidMappings", request, optionsPath)
        }
        if identity.privileged {
            try requireExisting(mapping, identity: identity)
        } else {
            guard let container else { throw RuntimeError(path: path, "an unprivileged idmapped mount needs the container's user namespace") }
            mapping.uids = try inContainer(mapping.uids, container.uids, field: mapping.uidField, mapField: "linux.uidMappings")
            mapping.gids = try inContainer(mapping.gids, container.gids, field: mapping.gidField, mapField: "linux.gidMappings")
            mapping.builder = .containerInit
        }
        return mapping
    }

    /// The ranges one half of an `idmap` option gives: its own, made absolute, or without any,
    /// the container's (the spec lets a runtime use the container's user namespace mapping).
    static func resolve(_ ranges: [IDMapOption.Range]?, _ name: String, _ container: [IDMapping]?, _ containerField: String,
                        _ request: IDMapOption.Request, _ path: String) throws -> ([IDMapping], field: String) {
        let relativeTo = "the container's user namespace (\(containerField))"
        guard let ranges else {
            guard let container else {
                let said = request.uids == nil && request.gids == nil ? "\(request.option) without uidMappings and gidMappings"
                    : "\(request.option) without \(name)="
                throw RuntimeError(path: path, "\(said) takes the container's user namespace mapping, but the container has none: "
                    + "give the ranges (mounts[].uidMappings and gidMappings, or \(request.name)=uids=...;gids=...) or add a user namespace")
            }
            return (container, containerField)
        }
        var out: [IDMapping] = []
        for range in ranges {
            guard range.relative else {
                out.append(IDMapping(containerID: range.fileID, hostID: range.hostID, size: range.size))
                continue
            }
            // "@a-b-n": b is the container's id; the host id is what the container's map makes of it.
            guard let container, !container.isEmpty else {
                throw RuntimeError(path: path, "\(range.text): a relative (@) range needs \(relativeTo) to be relative to")
            }
            guard let host = container.hostSpanStart(range.hostID, count: range.size) else {
                throw RuntimeError(path: path, "\(range.text): container ids \(IDMapping.span(range.hostID, range.size)) are not within one range of \(relativeTo)")
            }
            out.append(IDMapping(containerID: range.fileID, hostID: host, size: range.size))
        }
        if let (_, message) = out.mapProblem() { throw RuntimeError(path: path, "\(name)=: \(message)") }
        return (out, path)
    }

    /// Root in a user namespace can map only the ids that namespace has; say so before anything exists.
    static func requireExisting(_ mapping: MountIDMapping, identity: Identity) throws {
        guard let own = identity.ownMappings else { return }
        for (field, ranges, have) in [(mapping.uidField, mapping.uids, own.uids), (mapping.gidField, mapping.gids, own.gids)] {
            for range in ranges where !have.insideIdentity.coversHostIDs(range.hostID, count: range.size) {
                throw RuntimeError(path: field, "host ids \(IDMapping.span(range.hostID, range.size)) do not exist in the user namespace rsrun runs in")
            }
        }
    }

    /// An unprivileged caller's init writes the maps from inside the container, where ids are
    /// the container's: each range's host ids, translated back through the container's map.
    static func inContainer(_ ranges: [IDMapping], _ container: [IDMapping], field: String, mapField: String) throws -> [IDMapping] {
        try ranges.map { range in
            guard let inside = container.containerSpanStart(forHost: range.hostID, count: range.size) else {
                throw RuntimeError(path: field, "host ids \(IDMapping.span(range.hostID, range.size)) are not mapped in the container's user namespace "
                    + "(\(mapField)): a rootless idmapped mount can use only ids the container has")
            }
            return IDMapping(containerID: range.containerID, hostID: inside, size: range.size)
        }
    }
}

extension Array where Element == IDMapping {
    /// The host id of container id `first`, when `first ..< first+count` lies within one range.
    func hostSpanStart(_ first: UInt32, count: UInt32) -> UInt32? {
        for range in self where first >= range.containerID
            && UInt64(first) + UInt64(count) <= UInt64(range.containerID) + UInt64(range.size) {
            return range.hostID + (first - range.containerID)
        }
        return nil
    }

    /// The container id of host id `first`, when `first ..< first+count` lies within one range.
    func containerSpanStart(forHost first: UInt32, count: UInt32) -> UInt32? {
        for range in self where first >= range.hostID
            && UInt64(first) + UInt64(count) <= UInt64(range.hostID) + UInt64(range.size) {
            return range.containerID + (first - range.hostID)
        }
        return nil
    }
}

/// The `idmap` and `ridmap` mount options, in crun's and podman's syntax:
/// `idmap`, or `idmap=uids=0-1000-10#10-2000-10;gids=0-1000-10`, each range "file system id -
/// host id - size", ranges joined by `#`; a leading `@` makes the host id the container's id,
/// relative to its user namespace.
enum IDMapOption {
    struct Range: Equatable {
        var fileID: UInt32
        var hostID: UInt32
        var size: UInt32
        var relative: Bool
        var text: String
    }

    struct Request: Equatable {
        /// The option that gave the ranges (or the first one), as written.
        var option: String
        /// `idmap` or `ridmap`.
        var name: String
        var recursive: Bool
        var uids: [Range]?
        var gids: [Range]?
    }

    static let names = ["idmap", "ridmap"]

    /// nil when the options ask for no idmapping.
    static func parse(_ options: [String], path: String) throws -> Request? {
        var request: Request?
        for option in options {
            let parts = option.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard names.contains(name) else { continue }
            let value = parts.count > 1 ? String(parts[1]) : ""
            var this = Request(option: option, name: name, recursive: name == "ridmap")
            try parseValue(value, into: &this, path: path)
            guard var seen = request else { request = this; continue }
            seen.recursive = seen.recursive || this.recursive
            if this.uids != nil || this.gids != nil {
                if seen.uids != nil || seen.gids != nil {
                    throw RuntimeError(path: path, "\(seen.option) and \(option) both give ranges: keep one")
                }
                (seen.option, seen.name, seen.uids, seen.gids) = (this.option, this.name, this.uids, this.gids)
            }
            request = seen
        }
        return request
    }

    static func parseValue(_ value: String, into request: inout Request, path: String) throws {
        for part in value.split(separator: ";") {
            let isUIDs = part.hasPrefix("uids=")
            guard isUIDs || part.hasPrefix("gids=") else {
                throw RuntimeError(path: path, "\(request.option): unknown part \"\(part)\" (expected uids=... or gids=...)")
            }
            if (isUIDs ? request.uids : request.gids) != nil {
                throw RuntimeError(path: path, "\(request.option): \(isUIDs ? "uids" : "gids")= is given twice")
            }
            let ranges = try parseRanges(part.dropFirst(5), option: request.option, path: path)
            if isUIDs { request.uids = ranges } else { request.gids = ranges }
        }
    }

    static func parseRanges(_ text: Substring, option: String, path: String) throws -> [Range] {
        guard !text.isEmpty else { throw RuntimeError(path: path, "\(option): no ranges after \"=\"") }
        return try text.split(separator: "#", omittingEmptySubsequences: false).map { item in
            let relative = item.hasPrefix("@")
            let numbers = item.dropFirst(relative ? 1 : 0).split(separator: "-", omittingEmptySubsequences: false)
            let values = numbers.compactMap { $0.allSatisfy(\.isASCIIDigit) ? UInt32($0) : nil }
            guard numbers.count == 3, values.count == 3 else {
                throw RuntimeError(path: path, "\(option): range \"\(item)\" is not file-system-id-host-id-size (three numbers joined by -)")
            }
            return Range(fileID: values[0], hostID: values[1], size: values[2], relative: relative, text: String(item))
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
