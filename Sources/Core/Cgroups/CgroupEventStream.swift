import Glibc
import Rootless

/// What `rsrun events ID` prints: runc's event lines, one JSON object per line.
///
///     {"type":"stats","id":"c1","data":{"cpu":{...},...}}
///     {"type":"oom","id":"c1"}
///
/// runc runs a ticker goroutine and an inotify goroutine feeding a channel; here a single
/// poll(2) loop sleeps on an inotify descriptor until the next tick is due, which gives the
/// same stream without threads.
public enum CgroupEventStream {
    /// `--stats`: one stats event. Each string handed out by this type is a whole line,
    /// newline included, ready to be written to stdout as is.
    public static func statsEvent(id: String, directory: String) -> String {
        line(type: "stats", id: id, data: CgroupStats.read(directory: directory))
    }

    /// runc's Event has `data` omitempty, and an OOM carries none.
    public static func oomEvent(id: String) -> String {
        line(type: "oom", id: id, data: nil)
    }

    static func line(type: String, id: String, data: JSONValue?) -> String {
        var event: [(key: String, value: JSONValue)] = [("type", .string(type)), ("id", .string(id))]
        if let data { event.append(("data", data)) }
        return JSONValue.object(JSONObject(event)).serialized() + "\n"
    }

    /// The stream without `--stats`: a stats event every `interval` (the first one after a
    /// full interval, as runc's ticker does) and an OOM event each time memory.events'
    /// oom_kill count rises, until `isRunning` says the container is gone. It is asked before
    /// every wait; a change to cgroup.events (the last process leaving) wakes the loop early
    /// so the end is noticed without waiting out the interval. OOM counts are checked on
    /// every wake-up, so a kill just before the container dies is still reported.
    public static func run(id: String, directory: String, interval: Duration,
                           isRunning: () -> Bool, emit: (String) -> Void) throws(RuntimeError) {
        let period = EventInterval.nanoseconds(interval)
        guard period > 0 else { throw RuntimeError(path: "--interval", "duration interval must be greater than 0") }
        // runc refuses a stopped container before printing anything.
        guard isRunning() else { throw RuntimeError("container with id \(id) is not running") }

        let memoryEvents = directory + "/memory.events"
        let watch = FileChangeWatch(paths: [memoryEvents, directory + "/cgroup.events"])
        var kills = OOMKillCounter(memoryEvents: FileIO.readText(memoryEvents))
        var deadline = saturatingAdd(monotonicNanoseconds(), period)
        while isRunning() {
            let now = monotonicNanoseconds()
            if now >= deadline {
                emit(statsEvent(id: id, directory: directory))
                // After a stall (a slow reader on stdout) skip the missed ticks, as Go's
                // ticker drops them, instead of printing a burst of stale events.
                deadline = saturatingAdd(deadline, period)
                if deadline <= now { deadline = saturatingAdd(now, period) }
            } else {
                _ = watch.wait(nanoseconds: deadline - now)
            }
            if kills.observe(memoryEvents: FileIO.readText(memoryEvents)) { emit(oomEvent(id: id)) }
        }
    }

    static func monotonicNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }
}
