import Glibc

/// The subordinate id ranges of /etc/subuid and /etc/subgid, read the way newuidmap and
/// newgidmap read them: lines `owner:start:count`, where owner is a login name or a numeric
/// uid. Ranges served by NSS (`subid:` in /etc/nsswitch.conf, e.g. sss) are not looked up
/// here: we only say that they may exist and let the helpers decide.
public enum SubordinateIDs {
    public enum Kind: Sendable {
        case uid, gid

        public var file: String { self == .uid ? "/etc/subuid" : "/etc/subgid" }
        public var helper: String { self == .uid ? "newuidmap" : "newgidmap" }
        /// The usermod option that adds a range to this file.
        var usermodOption: String { self == .uid ? "--add-subuids" : "--add-subgids" }
    }

    public struct Range: Sendable, Equatable {
        public var start: UInt32
        public var count: UInt32

        public init(start: UInt32, count: UInt32) {
            self.start = start
            self.count = count
        }

        public var text: String { IDMapping.span(start, count) }
    }

    /// The ranges of `text` owned by `name` or by the numeric `uid`, in file order.
    public static func ranges(in text: String, name: String?, uid: UInt32) -> [Range] {
        let uidText = "\(uid)"
        return entries(text).filter { entry in entry.owner == uidText || name.map { entry.owner == $0 } == true }.map(\.range)
    }

    /// Every well-formed line; comments, blank and malformed lines are skipped, as shadow does.
    static func entries(_ text: String) -> [(owner: Substring, range: Range)] {
        text.split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") { return nil }
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count == 3, !fields[0].isEmpty, let start = UInt32(fields[1]), let count = UInt32(fields[2]), count > 0
            else { return nil }
            return (fields[0], Range(start: start, count: count))
        }
    }

    /// "alice (uid 1000)", or "uid 1000" without a name: whom a message says has no range.
    static func owner(name: String?, uid: UInt32) -> String {
        name.map { "\($0) (uid \(uid))" } ?? "uid \(uid)"
    }

    /// The sources of the `subid:` database in nsswitch.conf other than files, e.g. "sss";
    /// nil when subid ids come only from the files (no `subid:` line, or `subid: files`).
    public static func nssSources(nsswitch text: String) -> String? {
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first, first == "subid:" else { continue }
            let sources = words.dropFirst().filter { $0 != "files" && !$0.hasPrefix("[") }
            return sources.isEmpty ? nil : sources.joined(separator: " ")
        }
        return nil
    }

    public static func nssSources() -> String? {
        FileIO.readText("/etc/nsswitch.conf").flatMap { nssSources(nsswitch: $0) }
    }

    /// A start for a new range that overlaps no range in the file: 100000, or past the last one.
    public static func freeStart(in text: String, count: UInt32 = 65536) -> UInt32 {
        var start: UInt64 = 100_000
        for entry in entries(text) { start = max(start, UInt64(entry.range.start) + UInt64(entry.range.count)) }
        return UInt32(clamping: min(start, UInt64(UInt32.max) - UInt64(count)))
    }

    /// "add the line "alice:165536:65536" to /etc/subuid (usermod --add-subuids 165536-231071 alice)"
    public static func howToAdd(_ kind: Kind, name: String, fileText: String?) -> String {
        let start = freeStart(in: fileText ?? "")
        let last = UInt64(start) + 65535
        return "add the line \"\(name):\(start):65536\" to \(kind.file) (as root: usermod \(kind.usermodOption) \(start)-\(last) \(name))"
    }
}
