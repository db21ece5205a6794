import Glibc
@testable import Core
import Rootless
import Testing

@Suite("CgroupEventStream: runc's event lines, OOM detection, the poll loop")
struct CgroupEventStreamTests {
    static let events = "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"

    static func memoryEvents(oomKill: Int, high: Int = 0) -> String {
        "low 0\nhigh \(high)\nmax 0\noom \(oomKill)\noom_kill \(oomKill)\noom_group_kill 0\n"
    }

    @Test("the OOM counter reports rises of oom_kill only")
    func oomCounter() {
        var counter = OOMKillCounter(memoryEvents: Self.memoryEvents(oomKill: 2))
        func rose(_ text: String?) -> Bool { counter.observe(memoryEvents: text) }
        #expect(counter.count == 2)
        // Kills from before the stream started are not news; other counters moving is not an OOM.
        #expect(!rose(Self.memoryEvents(oomKill: 2, high: 7)))
        #expect(rose(Self.memoryEvents(oomKill: 3)))
        #expect(!rose(Self.memoryEvents(oomKill: 3)))
        // Several kills between two looks are one event, as with runc's one-per-notification.
        #expect(rose(Self.memoryEvents(oomKill: 6)))
        // The file vanishing with the cgroup changes nothing.
        #expect(!rose(nil))
        #expect(counter.count == 6)
        // A recreated cgroup starts again from a lower count: new baseline, no event.
        #expect(!rose(Self.memoryEvents(oomKill: 1)))
        #expect(rose(Self.memoryEvents(oomKill: 2)))
        // Without the file at the start (memory controller off) the baseline is 0.
        var off = OOMKillCounter(memoryEvents: nil)
        let offRose = off.observe(memoryEvents: Self.memoryEvents(oomKill: 1))
        #expect(offRose)
    }

    @Test("event lines: type, id, data; an OOM has no data")
    func lines() throws {
        let dir = try TempDir("rsrun-events")
        dir.makeFile("pids.current", "1\n")
        dir.makeFile("pids.max", "max\n")
        #expect(CgroupEventStream.oomEvent(id: "c1") == #"{"type":"oom","id":"c1"}"# + "\n")
        let stats = CgroupEventStream.statsEvent(id: "c1", directory: dir.path)
        #expect(stats.hasPrefix(#"{"type":"stats","id":"c1","data":{"cpu":"#))
        #expect(stats.hasSuffix(#""pids":{"current":1},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}}"# + "\n"))
        #expect(stats.filter { $0 == "\n" }.count == 1)
    }

    @Test("a stopped container and a zero interval are refused before any output")
    func refusals() throws {
        let dir = try TempDir("rsrun-events")
        var lines: [String] = []
        #expect(throws: RuntimeError("container with id c1 is not running")) {
            try CgroupEventStream.run(id: "c1", directory: dir.path, interval: .seconds(5), isRunning: { false }, emit: { lines.append($0) })
        }
        #expect(throws: RuntimeError.self) {
            try CgroupEventStream.run(id: "c1", directory: dir.path, interval: .zero, isRunning: { true }, emit: { lines.append($0) })
        }
        #expect(lines.isEmpty)
    }

    @Test("stats on every tick, an OOM event when oom_kill rises, stop when the container does")
    func stream() throws {
        let dir = try TempDir("rsrun-events")
        dir.makeFile("memory.events", Self.events)
        dir.makeFile("cgroup.events", "populated 1\nfrozen 0\n")
        dir.makeFile("pids.current", "2\n")
        dir.makeFile("pids.max", "max\n")

        var lines: [String] = []
        var killed = false
        let start = CgroupEventStream.monotonicNanoseconds()
        let interval = Int64(40_000_000)
        try CgroupEventStream.run(id: "c1", directory: dir.path, interval: .nanoseconds(interval), isRunning: {
            // Safety net: a broken loop must not hang the test run.
            let elapsed = CgroupEventStream.monotonicNanoseconds() - start
            return elapsed < 5_000_000_000 && lines.filter { $0.contains(#""type":"stats""#) }.count < 3
        }, emit: { line in
            lines.append(line)
            // The kernel bumps memory.events in place; the inotify watch should see it at once.
            if !killed {
                killed = true
                dir.makeFile("memory.events", Self.memoryEvents(oomKill: 1))
            }
        })
        let elapsed = CgroupEventStream.monotonicNanoseconds() - start
        let types = lines.map { $0.contains(#""type":"oom""#) ? "oom" : "stats" }
        #expect(types == ["stats", "oom", "stats", "stats"])
        #expect(lines.allSatisfy { $0.hasSuffix("}\n") && $0.hasPrefix(#"{"type":""#) })
        #expect(lines[1] == #"{"type":"oom","id":"c1"}"# + "\n")
        // Three ticks, the first a full interval after the start.
        #expect(elapsed >= 3 * interval)
        #expect(elapsed < 5_000_000_000)
    }

    @Test("the watch wakes on a write and times out otherwise")
    func watch() throws {
        let dir = try TempDir("rsrun-events")
        let file = dir.makeFile("memory.events", Self.events)
        let watch = FileChangeWatch(paths: [file, dir.sub("missing")])
        let watching = watch.fd >= 0
        let quiet = watch.wait(nanoseconds: 1_000_000)
        dir.makeFile("memory.events", Self.memoryEvents(oomKill: 1))
        let woke = watch.wait(nanoseconds: 1_000_000_000)
        // Drained: nothing left to wake on.
        let drained = !watch.wait(nanoseconds: 1_000_000)
        #expect(watching && !quiet && woke && drained)
        let none = FileChangeWatch(paths: [dir.sub("missing")])
        let unwatched = none.fd == -1
        let timedOut = !none.wait(nanoseconds: 1_000_000)
        #expect(unwatched && timedOut)
    }
}
