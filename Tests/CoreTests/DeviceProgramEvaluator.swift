@testable import Core

/// Runs a device program the way the kernel would, for the instructions the emitter writes
/// and nothing else: an unknown opcode, a jump out of the program or a run off its end is
/// reported as a fault, as the verifier would refuse them.
struct DeviceProgramEvaluator {
    struct Fault: Error, CustomStringConvertible {
        var description: String
    }

    /// One device access as the kernel describes it to the program.
    struct Request: CustomStringConvertible {
        var kind: DeviceCgroupRule.Kind
        var major: UInt32
        var minor: UInt32
        var access: UInt32

        /// "c 1:3 rw"
        var description: String {
            var letters = ""
            if access & DeviceCgroupRule.read != 0 { letters += "r" }
            if access & DeviceCgroupRule.write != 0 { letters += "w" }
            if access & DeviceCgroupRule.mknod != 0 { letters += "m" }
            return "\(kind == .char ? "c" : "b") \(major):\(minor) \(letters)"
        }

        /// struct bpf_cgroup_dev_ctx
        var context: [UInt32] { [access << 16 | kind.rawValue, major, minor] }
    }

    let program: [BPFInstruction]

    func allows(_ request: Request) throws -> Bool {
        let context = request.context
        var registers = [UInt64](repeating: 0, count: 11)
        var initialized = Set([1])
        // r1 points at the context until something else is written to it.
        var contextInR1 = true
        var pc = 0
        func read(_ register: UInt8) throws -> UInt64 {
            guard initialized.contains(Int(register)) else { throw Fault(description: "r\(register) read before written at \(pc)") }
            return registers[Int(register)]
        }
        func write(_ register: UInt8, _ value: UInt64) {
            registers[Int(register)] = value
            initialized.insert(Int(register))
            if register == 1 { contextInR1 = false }
        }
        // Straight-line code with forward jumps only: it ends within program.count steps.
        for _ in 0...program.count {
            guard program.indices.contains(pc) else { throw Fault(description: "ran off the program at \(pc)") }
            let insn = program[pc]
            let imm32 = UInt32(bitPattern: insn.imm)
            let imm64 = UInt64(bitPattern: Int64(insn.imm))
            pc += 1
            switch insn.code {
            case 0x61:  // ldx word
                // The context is the only memory the program may read.
                guard insn.src == 1, contextInR1, insn.offset >= 0, insn.offset % 4 == 0, Int(insn.offset) / 4 < context.count else {
                    throw Fault(description: "load outside the context at \(pc - 1)")
                }
                write(insn.dst, UInt64(context[Int(insn.offset) / 4]))
            case 0x54:  // and32 imm
                write(insn.dst, UInt64(UInt32(truncatingIfNeeded: try read(insn.dst)) & imm32))
            case 0x74:  // rsh32 imm
                write(insn.dst, UInt64(UInt32(truncatingIfNeeded: try read(insn.dst)) >> imm32))
            case 0xbc:  // mov32 reg
                write(insn.dst, UInt64(UInt32(truncatingIfNeeded: try read(insn.src))))
            case 0xb7:  // mov64 imm
                write(insn.dst, imm64)
            case 0x15, 0x55:  // jeq, jne imm: 64-bit compare, imm sign-extended
                let equal = try read(insn.dst) == imm64
                if equal == (insn.code == 0x15) {
                    guard insn.offset >= 0 else { throw Fault(description: "backward jump at \(pc - 1)") }
                    pc += Int(insn.offset)
                }
            case 0x95:  // exit
                let verdict = try read(0)
                guard verdict <= 1 else { throw Fault(description: "returned \(verdict)") }
                return verdict == 1
            default:
                throw Fault(description: "unknown opcode 0x\(String(insn.code, radix: 16)) at \(pc - 1)")
            }
        }
        throw Fault(description: "did not exit")
    }

    /// The rule semantics written plainly, to check the program against: each requested access
    /// is decided by the last rule that matches the device and names it; nothing decides deny.
    static func reference(_ rules: [DeviceCgroupRule], _ request: Request) -> Bool {
        for bit in [DeviceCgroupRule.mknod, DeviceCgroupRule.read, DeviceCgroupRule.write] where request.access & bit != 0 {
            let decider = rules.last { rule in
                (rule.kind == nil || rule.kind == request.kind)
                    && (rule.major == nil || rule.major == request.major)
                    && (rule.minor == nil || rule.minor == request.minor)
                    && rule.access & bit != 0
            }
            if decider?.allow != true { return false }
        }
        return true
    }
}
