/// One line of a uid_map or gid_map: `size` ids starting at `containerID` inside the
/// namespace map to ids starting at `hostID` outside it.
public struct IDMapping: Sendable, Equatable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32

    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID
        self.hostID = hostID
        self.size = size
    }

    /// The host id that `id` inside the namespace maps to, if any.
    public func hostID(for id: UInt32) -> UInt32? {
        guard id >= containerID, UInt64(id) < UInt64(containerID) + UInt64(size) else { return nil }
        return UInt32(exactly: UInt64(hostID) + UInt64(id - containerID))
    }
}

extension Array where Element == IDMapping {
    /// The text the kernel expects in /proc/<pid>/uid_map: one "inside outside count" line per range.
    public var mapFileText: String {
        map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
    }

    public func hostID(for id: UInt32) -> UInt32? {
        for range in self { if let host = range.hostID(for: id) { return host } }
        return nil
    }
}

extension IDMapping {
    /// Parses a /proc/<pid>/uid_map or gid_map.
    public static func read(mapFile path: String) -> [IDMapping]? {
        guard let text = FileIO.readText(path) else { return nil }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ", omittingEmptySubsequences: true).compactMap { UInt32($0) }
            return f.count == 3 ? IDMapping(containerID: f[0], hostID: f[1], size: f[2]) : nil
        }
    }
}
