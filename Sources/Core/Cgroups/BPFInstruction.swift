/// One eBPF instruction, `struct bpf_insn` of linux/bpf.h: the few forms the device program
/// needs, not an assembler. Registers are numbered 0-10; r0 holds the verdict, r1 the context.
public struct BPFInstruction: Sendable, Equatable, CustomStringConvertible {
    public var code: UInt8
    public var dst: UInt8
    public var src: UInt8
    /// Jump distance in instructions, counted from the next one; or a memory offset.
    public var offset: Int16
    public var imm: Int32

    public init(code: UInt8, dst: UInt8 = 0, src: UInt8 = 0, offset: Int16 = 0, imm: Int32 = 0) {
        self.code = code
        self.dst = dst
        self.src = src
        self.offset = offset
        self.imm = imm
    }

    // Instruction classes, operations and source bits (linux/bpf_common.h, linux/bpf.h).
    public static let classLDX: UInt8 = 0x01
    public static let classALU: UInt8 = 0x04
    public static let classJMP: UInt8 = 0x05
    public static let classALU64: UInt8 = 0x07
    public static let sizeWord: UInt8 = 0x00
    public static let modeMem: UInt8 = 0x60
    public static let sourceImm: UInt8 = 0x00
    public static let sourceReg: UInt8 = 0x08

    public enum ALU: UInt8, Sendable {
        case and = 0x50
        case rsh = 0x70
        case mov = 0xb0
    }

    public enum Jump: UInt8, Sendable {
        case jeq = 0x10
        case jne = 0x50
        case exit = 0x90
    }

    /// dst = *(u32 *)(src + offset)
    public static func loadWord(_ dst: UInt8, _ src: UInt8, offset: Int16) -> BPFInstruction {
        BPFInstruction(code: classLDX | sizeWord | modeMem, dst: dst, src: src, offset: offset)
    }

    /// dst = (u32)dst op imm; the upper half of dst is zeroed, as for every 32-bit ALU op.
    public static func alu32(_ op: ALU, _ dst: UInt8, _ imm: Int32) -> BPFInstruction {
        BPFInstruction(code: classALU | op.rawValue | sourceImm, dst: dst, imm: imm)
    }

    /// dst = (u32)src
    public static func move32(_ dst: UInt8, from src: UInt8) -> BPFInstruction {
        BPFInstruction(code: classALU | ALU.mov.rawValue | sourceReg, dst: dst, src: src)
    }

    /// dst = imm, sign-extended to 64 bits.
    public static func move64(_ dst: UInt8, _ imm: Int32) -> BPFInstruction {
        BPFInstruction(code: classALU64 | ALU.mov.rawValue | sourceImm, dst: dst, imm: imm)
    }

    /// if (dst op imm) skip `offset` instructions. The comparison is on 64 bits with imm
    /// sign-extended, so an imm past Int32.max never equals a register loaded from a u32.
    public static func jump(_ op: Jump, _ dst: UInt8, _ imm: Int32, offset: Int16) -> BPFInstruction {
        BPFInstruction(code: classJMP | op.rawValue | sourceImm, dst: dst, offset: offset, imm: imm)
    }

    public static let exit = BPFInstruction(code: classJMP | Jump.exit.rawValue)

    /// The 8 bytes the kernel reads. dst_reg and src_reg are a C bitfield, dst in the low
    /// nibble on the little-endian machines rsrun runs on (x86_64, aarch64).
    public var bytes: [UInt8] {
        var out: [UInt8] = [code, (dst & 0x0f) | (src << 4)]
        withUnsafeBytes(of: offset) { out += $0 }
        withUnsafeBytes(of: imm) { out += $0 }
        return out
    }

    public var description: String {
        "code=0x\(String(code, radix: 16)) dst=r\(dst) src=r\(src) off=\(offset) imm=\(imm)"
    }
}
