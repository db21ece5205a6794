@testable import Core
import Rootless
import Testing

@Suite("Device program: linux.resources.devices as a cgroup v2 eBPF program")
struct DeviceProgramTests {
    typealias Rule = Spec.Resources.DeviceRule
    typealias Request = DeviceProgramEvaluator.Request
    typealias I = BPFInstruction

    static let r = DeviceCgroupRule.read, w = DeviceCgroupRule.write, m = DeviceCgroupRule.mknod
    static let rw = r | w, rwm = DeviceCgroupRule.anyAccess

    static let denyAll = Rule(allow: false, access: "rwm")
    static func char(_ major: UInt32, _ minor: UInt32, _ access: UInt32) -> Request {
        Request(kind: .char, major: major, minor: minor, access: access)
    }
    static func block(_ major: UInt32, _ minor: UInt32, _ access: UInt32) -> Request {
        Request(kind: .block, major: major, minor: minor, access: access)
    }

    /// The spec's rules with the defaults, emitted and run over each request, checked against
    /// the reference semantics and then against what the test expects.
    static func decide(_ spec: [Rule], _ request: Request) throws -> Bool {
        let rules = try DeviceRules.effective(spec)
        let verdict = try DeviceProgramEvaluator(program: DeviceProgramEmitter.emit(rules)).allows(request)
        #expect(verdict == DeviceProgramEvaluator.reference(rules, request), "program and reference differ on \(request)")
        return verdict
    }

    static let prologue: [I] = [
        .loadWord(2, 1, offset: 0), .alu32(.and, 2, 0xffff),
        .loadWord(3, 1, offset: 0), .alu32(.rsh, 3, 16),
        .loadWord(4, 1, offset: 4), .loadWord(5, 1, offset: 8),
    ]

    @Test("instruction encoding is struct bpf_insn's")
    func encoding() {
        #expect(I.loadWord(2, 1, offset: 4).bytes == [0x61, 0x12, 4, 0, 0, 0, 0, 0])
        #expect(I.alu32(.and, 2, 0xffff).bytes == [0x54, 0x02, 0, 0, 0xff, 0xff, 0, 0])
        #expect(I.jump(.jne, 4, 136, offset: 3).bytes == [0x55, 0x04, 3, 0, 136, 0, 0, 0])
        #expect(I.move32(1, from: 3).bytes == [0xbc, 0x31, 0, 0, 0, 0, 0, 0])
        #expect(I.move64(0, 1).bytes == [0xb7, 0x00, 0, 0, 1, 0, 0, 0])
        #expect(I.exit.bytes == [0x95, 0, 0, 0, 0, 0, 0, 0])
        #expect(I.alu32(.and, 3, -3).bytes == [0x54, 0x03, 0, 0, 0xfd, 0xff, 0xff, 0xff])
    }

    @Test("emitted instructions: no rule, one device, partial allow and deny, a rule for everything")
    func instructions() {
        #expect(DeviceProgramEmitter.emit([]) == Self.prologue + [.move64(0, 0), .exit])
        let null = DeviceCgroupRule(allow: true, kind: .char, major: 1, minor: 3)
        #expect(DeviceProgramEmitter.emit([null]) == Self.prologue + [
            .jump(.jne, 2, 2, offset: 4), .jump(.jne, 4, 1, offset: 3), .jump(.jne, 5, 3, offset: 2),
            .move64(0, 1), .exit,
            .move64(0, 0), .exit,
        ])
        let readBlock = DeviceCgroupRule(allow: true, kind: .block, access: Self.r)
        #expect(DeviceProgramEmitter.block(readBlock) == [
            .jump(.jne, 2, 1, offset: 4), .alu32(.and, 3, ~2), .jump(.jne, 3, 0, offset: 2), .move64(0, 1), .exit,
        ])
        let denyWrite = DeviceCgroupRule(allow: false, kind: .char, major: 10, minor: 200, access: Self.w)
        #expect(DeviceProgramEmitter.block(denyWrite) == [
            .jump(.jne, 2, 2, offset: 7), .jump(.jne, 4, 10, offset: 6), .jump(.jne, 5, 200, offset: 5),
            .move32(1, from: 3), .alu32(.and, 1, 4), .jump(.jeq, 1, 0, offset: 2), .move64(0, 0), .exit,
        ])
        // Last first; the allow-everything rule returns, so what it shadows is left out.
        let tun = DeviceCgroupRule(allow: true, kind: .char, major: 10, minor: 200)
        let everything = DeviceCgroupRule(allow: true)
        #expect(DeviceProgramEmitter.emit([tun, everything, null]) == Self.prologue + DeviceProgramEmitter.block(null) + [.move64(0, 1), .exit])
    }

    @Test("effective rules: the defaults after the spec's last rule for everything, else first")
    func effective() throws {
        let defaults = DeviceRules.defaults
        #expect(try DeviceRules.effective([]) == defaults)
        let null = DeviceCgroupRule(allow: false, kind: .char, major: 1, minor: 3)
        let denyNull = Rule(allow: false, type: .char, major: 1, minor: 3, access: "rwm")
        #expect(try DeviceRules.effective([Self.denyAll, denyNull]) == [DeviceCgroupRule(allow: false)] + defaults + [null])
        #expect(try DeviceRules.effective([denyNull, Self.denyAll]) == [null, DeviceCgroupRule(allow: false)] + defaults)
        // Not every access: not a reset, so the defaults stay first.
        let denyReadWrite = Rule(allow: false, type: .all, major: -1, minor: nil, access: "rw")
        #expect(try DeviceRules.effective([denyReadWrite]) == defaults + [DeviceCgroupRule(allow: false, access: Self.rw)])
        #expect(defaults.count == 11 && defaults.allSatisfy(\.allow))
    }

    @Test("spec rules converted: wildcards, access letters, bad values refused with their path")
    func conversion() throws {
        let rule = try DeviceRules.convert(Rule(allow: true, type: .block, major: 8, minor: -1, access: "mr"), field: "f")
        #expect(rule == DeviceCgroupRule(allow: true, kind: .block, major: 8, minor: nil, access: Self.r | Self.m))
        #expect(try DeviceRules.access(nil, field: "f") == Self.rwm)
        #expect(try DeviceRules.access("", field: "f") == Self.rwm)
        #expect(try DeviceRules.access("wrmw", field: "f") == Self.rwm)
        #expect(try DeviceRules.number(4_294_967_295, field: "f") == UInt32.max)
        #expect(throws: RuntimeError(path: "linux.resources.devices[1].access", "must be made of \"r\", \"w\" and \"m\", got \"rx\"")) {
            try DeviceRules.effective([Self.denyAll, Rule(allow: true, access: "rx")])
        }
        #expect(throws: RuntimeError.self) { try DeviceRules.effective([Rule(allow: true, major: -2)]) }
        do {
            _ = try DeviceRules.effective([Rule(allow: true, type: .char, major: 1, minor: 1 << 32)])
            Issue.record("a minor past UInt32.max was accepted")
        } catch let error as RuntimeError {
            #expect(error.path == "linux.resources.devices[0].minor")
        }
    }

    @Test("the usual config: everything denied but the default devices, and mknod of anything")
    func defaultsAfterDenyAll() throws {
        let spec = [Self.denyAll]
        for (major, minor) in [(1, 3), (1, 5), (1, 7), (1, 8), (1, 9), (5, 0), (5, 1), (5, 2), (136, 0), (136, 42)] as [(UInt32, UInt32)] {
            #expect(try Self.decide(spec, Self.char(major, minor, Self.rwm)), "c \(major):\(minor)")
        }
        #expect(try !Self.decide(spec, Self.block(8, 0, Self.r)))
        #expect(try !Self.decide(spec, Self.char(10, 200, Self.rw)))
        #expect(try !Self.decide(spec, Self.char(1, 1, Self.r)))  // /dev/mem
        #expect(try Self.decide(spec, Self.char(10, 200, Self.m)))
        #expect(try Self.decide(spec, Self.block(8, 0, Self.m)))
        #expect(try !Self.decide(spec, Self.char(10, 200, Self.m | Self.r)))
        // No rules at all: the defaults alone.
        #expect(try Self.decide([], Self.char(1, 3, Self.rw)))
        #expect(try !Self.decide([], Self.block(8, 0, Self.r)))
    }

    @Test("a later spec rule overrides a default: /dev/null denied after the usual rules")
    func denyNull() throws {
        let spec = [
            Self.denyAll,
            Rule(allow: true, type: .char, major: 1, minor: 3, access: "rwm"),
            Rule(allow: false, type: .char, major: 1, minor: 3, access: "rwm"),
        ]
        for access in [Self.r, Self.w, Self.m, Self.rw, Self.rwm] {
            #expect(try !Self.decide(spec, Self.char(1, 3, access)))
        }
        #expect(try Self.decide(spec, Self.char(1, 5, Self.rw)))
        #expect(try Self.decide(spec, Self.char(136, 3, Self.rw)))
        // Denying the mknod default.
        let noMknod = [Self.denyAll, Rule(allow: false, type: .char, access: "m")]
        #expect(try !Self.decide(noMknod, Self.char(10, 200, Self.m)))
        #expect(try Self.decide(noMknod, Self.block(8, 0, Self.m)))
        #expect(try Self.decide(noMknod, Self.char(1, 3, Self.rw)))
    }

    @Test("allow everything, then deny one device")
    func allowAllThenDeny() throws {
        let spec = [Rule(allow: true, access: "rwm"), Rule(allow: false, type: .char, major: 1, minor: 3, access: "rwm")]
        #expect(try !Self.decide(spec, Self.char(1, 3, Self.r)))
        #expect(try Self.decide(spec, Self.char(1, 5, Self.rw)))
        #expect(try Self.decide(spec, Self.block(8, 0, Self.rwm)))
        #expect(try Self.decide([Rule(allow: true)], Self.block(259, 1, Self.rwm)))
    }

    @Test("wildcards: major only, minor only, type a with numbers")
    func wildcards() throws {
        let misc = [Self.denyAll, Rule(allow: true, type: .char, major: 10, access: "rw")]
        #expect(try Self.decide(misc, Self.char(10, 200, Self.rw)))
        #expect(try Self.decide(misc, Self.char(10, 229, Self.r)))
        #expect(try !Self.decide(misc, Self.block(10, 200, Self.r)))
        #expect(try !Self.decide(misc, Self.char(11, 0, Self.r)))
        let anyMajor = [Self.denyAll, Rule(allow: true, type: .char, major: -1, minor: 7, access: "r")]
        #expect(try Self.decide(anyMajor, Self.char(4, 7, Self.r)))
        #expect(try !Self.decide(anyMajor, Self.char(4, 7, Self.w)))
        #expect(try !Self.decide(anyMajor, Self.char(4, 8, Self.r)))
        let bothKinds = [Self.denyAll, Rule(allow: true, type: .all, major: 250, minor: 0, access: "r")]
        #expect(try Self.decide(bothKinds, Self.char(250, 0, Self.r)))
        #expect(try Self.decide(bothKinds, Self.block(250, 0, Self.r)))
        #expect(try !Self.decide(bothKinds, Self.block(250, 1, Self.r)))
        // A major past Int32.max (dev_t has 12 bits of it) matches nothing, not even itself.
        let huge = try DeviceRules.effective([Self.denyAll, Rule(allow: true, type: .char, major: 3_000_000_000, access: "r")])
        let evaluator = DeviceProgramEvaluator(program: DeviceProgramEmitter.emit(huge))
        #expect(try !evaluator.allows(Self.char(3_000_000_000, 0, Self.r)))
        #expect(try !evaluator.allows(Self.char(3_000_000_000 & 0xfff, 0, Self.r)))
    }

    @Test("the last matching rule wins, whichever way round")
    func lastMatchWins() throws {
        let allowThenDeny = [Self.denyAll, Rule(allow: true, type: .char, major: 10, minor: 200), Rule(allow: false, type: .char, major: 10)]
        #expect(try !Self.decide(allowThenDeny, Self.char(10, 200, Self.r)))
        let denyThenAllow = [Self.denyAll, Rule(allow: false, type: .char, major: 10), Rule(allow: true, type: .char, major: 10, minor: 200)]
        #expect(try Self.decide(denyThenAllow, Self.char(10, 200, Self.rw)))
        #expect(try !Self.decide(denyThenAllow, Self.char(10, 201, Self.r)))
        // Whatever precedes a rule for everything is shadowed by it.
        let shadowed = [Rule(allow: true, type: .char, major: 10, minor: 200), Self.denyAll]
        #expect(try !Self.decide(shadowed, Self.char(10, 200, Self.r)))
        #expect(try Self.decide(shadowed, Self.char(1, 3, Self.r)))
    }

    @Test("access: a request is allowed only when each access it asks for is")
    func access() throws {
        let readOnly = [Self.denyAll, Rule(allow: true, type: .char, major: 10, minor: 200, access: "r")]
        #expect(try Self.decide(readOnly, Self.char(10, 200, Self.r)))
        #expect(try !Self.decide(readOnly, Self.char(10, 200, Self.rw)))
        #expect(try !Self.decide(readOnly, Self.char(10, 200, Self.w)))
        // Deny takes away what it names and leaves the rest, as runc's emulator has it.
        let noWrite = [Self.denyAll, Rule(allow: true, type: .char, major: 10, minor: 200), Rule(allow: false, type: .char, major: 10, minor: 200, access: "w")]
        #expect(try Self.decide(noWrite, Self.char(10, 200, Self.r)))
        #expect(try !Self.decide(noWrite, Self.char(10, 200, Self.rw)))
        #expect(try !Self.decide(noWrite, Self.char(10, 200, Self.w)))
        #expect(try Self.decide(noWrite, Self.char(10, 200, Self.m)))
        // Allowed again after the deny: per access, the last word counts.
        let rewritten = noWrite + [Rule(allow: true, type: .char, major: 10, minor: 200, access: "w")]
        #expect(try Self.decide(rewritten, Self.char(10, 200, Self.rw)))
        // In an allow-all config a partial deny still catches an open that asks for more.
        let denyList = [Rule(allow: true), Rule(allow: false, type: .char, major: 10, minor: 200, access: "w")]
        #expect(try !Self.decide(denyList, Self.char(10, 200, Self.rw)))
        #expect(try Self.decide(denyList, Self.char(10, 200, Self.r)))
        // Read from one rule and write from another add up.
        let split = [Self.denyAll, Rule(allow: true, type: .char, major: 10, minor: 200, access: "r"), Rule(allow: true, type: .char, major: 10, access: "w")]
        #expect(try Self.decide(split, Self.char(10, 200, Self.rw)))
        #expect(try !Self.decide(split, Self.char(10, 201, Self.rw)))
    }

    @Test("program and reference agree over a grid of rule lists and requests")
    func grid() throws {
        let kinds: [Spec.Resources.DeviceRule.Kind?] = [nil, .char, .block]
        let numbers: [Int64?] = [nil, 1, 3]
        let accesses = ["r", "w", "m", "rw", "rwm"]
        var candidates: [Rule] = []
        for kind in kinds {
            for major in numbers {
                for minor in numbers {
                    for access in accesses {
                        candidates.append(Rule(allow: true, type: kind, major: major, minor: minor, access: access))
                        candidates.append(Rule(allow: false, type: kind, major: major, minor: minor, access: access))
                    }
                }
            }
        }
        var requests: [Request] = []
        for kind in [DeviceCgroupRule.Kind.char, .block] {
            for major: UInt32 in [1, 3, 7] {
                for minor: UInt32 in [1, 3, 7] {
                    for access: UInt32 in 1...7 { requests.append(Request(kind: kind, major: major, minor: minor, access: access)) }
                }
            }
        }
        // A fixed pseudo-random walk (an LCG), so a failure reproduces.
        var seed: UInt64 = 0x5eed
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        for _ in 0..<300 {
            let spec = (0..<(1 + next(6))).map { _ in candidates[next(candidates.count)] }
            let rules = try DeviceRules.effective(spec)
            let evaluator = DeviceProgramEvaluator(program: DeviceProgramEmitter.emit(rules))
            for request in requests {
                let verdict = try evaluator.allows(request)
                if verdict != DeviceProgramEvaluator.reference(rules, request) {
                    Issue.record("\(request) with \(spec): program says \(verdict)")
                    return
                }
            }
        }
    }
}
