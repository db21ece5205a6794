/// Tells when the `oom_kill` count in memory.events goes up.
///
/// runc watches the same key but reports an OOM on every change to memory.events once the
/// count is above zero, so a container killed once keeps producing OOM events whenever its
/// "high" or "max" counters move. Comparing against the last count reports each new kill
/// (one event per increase seen, however many processes it covered) and nothing else.
public struct OOMKillCounter: Sendable, Equatable {
    public private(set) var count: UInt64

    /// The count at the start is the baseline: kills from before the stream are history.
    public init(memoryEvents: String?) {
        count = memoryEvents.flatMap(Self.oomKills) ?? 0
    }

    /// True when the count rose since the last look. An unreadable file (cgroup going away)
    /// changes nothing; a smaller count means a new cgroup under the same path, so it becomes
    /// the new baseline without an event.
    public mutating func observe(memoryEvents: String?) -> Bool {
        guard let now = memoryEvents.flatMap(Self.oomKills) else { return false }
        defer { count = now }
        return now > count
    }

    static func oomKills(_ text: String) -> UInt64? {
        CgroupFileFormat.value(of: "oom_kill", inFlatKeyed: text)
    }
}
