/// Device rules compiled into a BPF_PROG_TYPE_CGROUP_DEVICE program: the kernel runs it on
/// every open and mknod of a device node in the cgroup, and the program returns 1 to allow,
/// 0 to deny (EPERM).
///
/// Each requested access (an O_RDWR open asks for read and write at once) is decided by the
/// last rule that matches the device and names that access, as the v1 devices cgroup and
/// runc's emulation of it have it: allow c 1:3 rwm then deny c 1:3 w leaves read. The rules
/// are emitted last first; r3 holds the accesses still undecided. A matching deny that names
/// one of them returns 0; a matching allow takes the ones it names off, and returns 1 once
/// none is left. Whatever no rule decides is denied.
public enum DeviceProgramEmitter {
    // Registers after the prologue: r2 type, r3 undecided accesses, r4 major, r5 minor;
    // r1 (the context pointer, no longer needed) is scratch.
    static let ctx: UInt8 = 1, type: UInt8 = 2, access: UInt8 = 3, major: UInt8 = 4, minor: UInt8 = 5
    static let scratch: UInt8 = 1

    public static func emit(_ rules: [DeviceCgroupRule]) -> [BPFInstruction] {
        // struct bpf_cgroup_dev_ctx { u32 access_type /* access << 16 | type */; u32 major; u32 minor; }
        var program: [BPFInstruction] = [
            .loadWord(type, ctx, offset: 0),
            .alu32(.and, type, 0xffff),
            .loadWord(access, ctx, offset: 0),
            .alu32(.rsh, access, 16),
            .loadWord(major, ctx, offset: 4),
            .loadWord(minor, ctx, offset: 8),
        ]
        for rule in rules.reversed() {
            program += block(rule)
            // The rule matched everything and returned: the ones before it are unreachable.
            if rule.coversEverything { return program }
        }
        return program + verdict(false)
    }

    /// The instructions of one rule; a jump with offset `next` goes past the block.
    static func block(_ rule: DeviceCgroupRule) -> [BPFInstruction] {
        var code: [BPFInstruction] = []
        if let kind = rule.kind { code.append(.jump(.jne, type, Int32(kind.rawValue), offset: next)) }
        // A major or minor past Int32.max becomes a negative immediate that matches nothing,
        // which is right: dev_t has 12 bits of major and 20 of minor.
        if let number = rule.major { code.append(.jump(.jne, major, Int32(truncatingIfNeeded: number), offset: next)) }
        if let number = rule.minor { code.append(.jump(.jne, minor, Int32(truncatingIfNeeded: number), offset: next)) }
        let all = rule.access == DeviceCgroupRule.anyAccess
        switch (rule.allow, all) {
        case (true, true), (false, true):
            break
        case (true, false):
            code.append(.alu32(.and, access, Int32(bitPattern: ~rule.access)))
            code.append(.jump(.jne, access, 0, offset: next))
        case (false, false):
            code.append(.move32(scratch, from: access))
            code.append(.alu32(.and, scratch, Int32(rule.access)))
            code.append(.jump(.jeq, scratch, 0, offset: next))
        }
        code += verdict(rule.allow)
        for i in code.indices where code[i].offset == next {
            code[i].offset = Int16(code.count - i - 1)
        }
        return code
    }

    /// A placeholder no real jump has: blocks are a handful of instructions.
    static let next: Int16 = .min

    static func verdict(_ allow: Bool) -> [BPFInstruction] {
        [.move64(0, allow ? 1 : 0), .exit]
    }
}
