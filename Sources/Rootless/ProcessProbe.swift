import CShim
import Glibc

/// What /proc says about a pid. The start time (field 22 of /proc/<pid>/stat, in clock ticks
/// since boot) tells a process we started apart from an unrelated one that reused its pid.
public struct ProcessProbe: Sendable, Equatable {
    public var state: Character
    public var parent: Int32
    public var startTime: UInt64

    public static func read(pid: Int32) -> ProcessProbe? {
        guard pid > 0, let bytes = FileIO.read("/proc/\(pid)/stat", limit: 4096) else { return nil }
        // The command name may hold spaces and parentheses: fields start after the last ')'.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let rest = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
        guard rest.count > 19, let st = rest[0].first else { return nil }
        guard let start = UInt64(String(decoding: rest[19], as: UTF8.self)),
              let parent = Int32(String(decoding: rest[1], as: UTF8.self)) else { return nil }
        return ProcessProbe(state: Character(UnicodeScalar(st)), parent: parent, startTime: start)
    }

    public var isAlive: Bool { state != "Z" && state != "X" && state != "x" }

    /// The process is alive and is the one we started (same start time).
    public static func isRunning(pid: Int32, startTime: UInt64) -> Bool {
        guard let probe = read(pid: pid) else { return false }
        return probe.isAlive && probe.startTime == startTime
    }
}
