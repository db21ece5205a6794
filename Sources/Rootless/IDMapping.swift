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

extension Array where Element == IDMapping {
    /// The kernel's limit on lines in one uid_map or gid_map (since Linux 4.15).
    public static let maxRanges = 340

    /// Why the kernel would refuse these ranges as one map, or nil: empty or past 2^32 on
    /// either side, overlapping another range on either side, or too many lines. The index
    /// names the range at fault.
    public func mapProblem() -> (index: Int, message: String)? {
        if count > Self.maxRanges { return (Self.maxRanges, "a map holds at most \(Self.maxRanges) ranges, got \(count)") }
        let top = UInt64(UInt32.max) + 1
        for (i, range) in enumerated() {
            if range.size == 0 { return (i, "range \(range.text) is empty") }
            if UInt64(range.containerID) + UInt64(range.size) > top || UInt64(range.hostID) + UInt64(range.size) > top {
                return (i, "range \(range.text) runs past 4294967295")
            }
            for j in 0..<i {
                let other = self[j]
                if overlaps(range.containerID, other.containerID, range.size, other.size) {
                    return (i, "container ids \(range.containerSpan) overlap those of range \(j) (\(other.containerSpan))")
                }
                if overlaps(range.hostID, other.hostID, range.size, other.size) {
                    return (i, "host ids \(range.hostSpan) overlap those of range \(j) (\(other.hostSpan))")
                }
            }
        }
        return nil
    }

    private func overlaps(_ a: UInt32, _ b: UInt32, _ sizeA: UInt32, _ sizeB: UInt32) -> Bool {
        UInt64(a) < UInt64(b) + UInt64(sizeB) && UInt64(b) < UInt64(a) + UInt64(sizeA)
    }

    /// Whether every id in `first ..< first+count` is covered by these ranges' host side
    /// (ranges may be adjacent: together they can cover more than any one of them).
    public func coversHostIDs(_ first: UInt32, count: UInt32) -> Bool {
        var next = UInt64(first)
        let end = UInt64(first) + UInt64(count)
        let sorted = self.sorted { $0.hostID < $1.hostID }
        for range in sorted where UInt64(range.hostID) <= next && next < UInt64(range.hostID) + UInt64(range.size) {
            next = UInt64(range.hostID) + UInt64(range.size)
            if next >= end { return true }
        }
        return next >= end
    }

    /// The ids these ranges give a namespace, each mapped to itself: what a child namespace
    /// can map one to one from the inside of this one.
    public var insideIdentity: [IDMapping] {
        map { IDMapping(containerID: $0.containerID, hostID: $0.containerID, size: $0.size) }
    }

    /// "0 1001 1 1 200000 65536": the arguments newuidmap takes, and a compact way to show a map.
    public var helperArguments: [String] {
        flatMap { ["\($0.containerID)", "\($0.hostID)", "\($0.size)"] }
    }
}

extension IDMapping {
    /// "containerID:hostID:size", as people write mappings.
    public var text: String { "\(containerID):\(hostID):\(size)" }
    var containerSpan: String { IDMapping.span(containerID, size) }
    var hostSpan: String { IDMapping.span(hostID, size) }

    /// "200000-265535" (inclusive, as /etc/subuid users think of ranges).
    public static func span(_ first: UInt32, _ size: UInt32) -> String {
        size == 1 ? "\(first)" : "\(first)-\(UInt64(first) + UInt64(size) - 1)"
    }
}
