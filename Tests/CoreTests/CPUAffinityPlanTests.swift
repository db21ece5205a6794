@testable import Core
import Rootless
import Testing

@Suite("CPUAffinityPlan: execCPUAffinity lists to sched_setaffinity masks")
struct CPUAffinityPlanTests {
    @Test("cpuset list syntax: single CPUs, ranges, words past 64")
    func parse() throws {
        #expect(try CPUAffinityPlan.parse("0", field: "f") == [0b1])
        #expect(try CPUAffinityPlan.parse("0-3,7", field: "f") == [0b1000_1111])
        #expect(try CPUAffinityPlan.parse("1,1", field: "f") == [0b10])
        #expect(try CPUAffinityPlan.parse("63-64", field: "f") == [1 << 63, 1])
        #expect(try CPUAffinityPlan.parse("128", field: "f") == [0, 0, 1])
    }

    @Test("bad lists name the field and the part", arguments: ["", "a", "0-", "-1", "3-1", "0,,1", " 1", "1-2-3", "8192", "99999999999999999999"])
    func refusals(_ text: String) {
        #expect(throws: RuntimeError.self) { try CPUAffinityPlan.parse(text, field: "process.execCPUAffinity.final") }
        do {
            _ = try CPUAffinityPlan.parse(text, field: "process.execCPUAffinity.final")
        } catch {
            #expect("\(error)".hasPrefix("process.execCPUAffinity.final: "), "\(error)")
        }
    }

    @Test("final defaults to our own affinity after an initial; empty strings ask for nothing")
    func compile() throws {
        let ours: CPUAffinityPlan.Mask = [0b11]
        let initialOnly = try CPUAffinityPlan.compile(.init(initial: "1"), current: { ours })
        #expect(initialOnly == CPUAffinityPlan(initial: [0b10], final: ours))
        let finalOnly = try CPUAffinityPlan.compile(.init(final: "0"), current: { ours })
        #expect(finalOnly == CPUAffinityPlan(initial: nil, final: [0b1]))
        #expect(try CPUAffinityPlan.compile(.init(initial: "", final: ""), current: { ours }) == nil)
        #expect(try CPUAffinityPlan.compile(nil, current: { ours }) == nil)
    }
}
