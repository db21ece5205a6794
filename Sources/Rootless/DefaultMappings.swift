/// The maps `rsrun spec --rootless` writes: container root is the caller, and container ids
/// 1..N are the caller's first subordinate range, the layout podman uses.
extension Identity {
    /// The maps, and one note per file that gave no range (the config then maps only our own
    /// id for that kind). Inside a user namespace, the ids it already has are mapped one to one.
    public func defaultContainerMappings() -> (maps: IDMaps, notes: [String]) {
        if let own = ownMappings {
            return (IDMaps(uids: own.uids.insideIdentity, gids: own.gids.insideIdentity), [])
        }
        let name = userName()
        var notes: [String] = []
        func maps(_ kind: SubordinateIDs.Kind, own: UInt32) -> [IDMapping] {
            let base = [IDMapping(containerID: 0, hostID: own, size: 1)]
            let text = FileIO.readText(kind.file)
            if let first = text.flatMap({ SubordinateIDs.ranges(in: $0, name: name, uid: uid).first }) {
                // Container ids stop at 2^32-1, whatever the range says.
                let size = min(first.count, UInt32.max - 1)
                return base + [IDMapping(containerID: 1, hostID: first.start, size: size)]
            }
            let who = SubordinateIDs.owner(name: name, uid: uid)
            var note = "\(kind.file) has no range for \(who), so the config maps only your own id; to map more, "
                + SubordinateIDs.howToAdd(kind, name: name ?? "\(uid)", fileText: text)
            if let sources = SubordinateIDs.nssSources() {
                note = "\(kind.file) has no range for \(who) (ranges from NSS, subid: \(sources), are not read), "
                    + "so the config maps only your own id; add your range to \(kind == .uid ? "linux.uidMappings" : "linux.gidMappings") by hand"
            }
            notes.append(note)
            return base
        }
        return (IDMaps(uids: maps(.uid, own: uid), gids: maps(.gid, own: gid)), notes)
    }
}
