import Glibc

/// Timestamps as runc writes them in state: RFC 3339 with nanoseconds, UTC.
public enum Clock {
    public static func now() -> timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts
    }

    public static func rfc3339(_ ts: timespec = now()) -> String {
        var seconds = ts.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let nanos = String(ts.tv_nsec)
        let padded = String(repeating: "0", count: max(0, 9 - nanos.count)) + nanos
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T" +
            "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(padded)Z"
    }

    static func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
}
