import CShim
import Glibc
import Rootless

/// The device program in the kernel: bpf(BPF_PROG_LOAD), then bpf(BPF_PROG_ATTACH) to the
/// container's cgroup v2 directory. cgroup v2 has no devices.allow/deny files; this is the
/// only way it restricts devices.
public enum DeviceProgram {
    static let progLoad: Int32 = 5  // BPF_PROG_LOAD
    static let progAttach: Int32 = 8  // BPF_PROG_ATTACH
    static let cgroupDeviceProgram: UInt32 = 15  // BPF_PROG_TYPE_CGROUP_DEVICE
    static let cgroupDeviceAttach: UInt32 = 6  // BPF_CGROUP_DEVICE
    static let field = "linux.resources.devices"
    /// The program calls no helper, so no GPL-only one: any license string loads.
    static let license: StaticString = "Apache"
    /// What `bpftool prog` shows (15 characters at most, letters, digits, _ and .).
    static let name = "rsrun_devices"

    /// Effective rules, emitted, loaded and attached to the cgroup; the program stays
    /// attached after our descriptors are closed, until it is replaced or the cgroup removed.
    public static func install(rules: [Spec.Resources.DeviceRule], cgroupDirectory: String) throws {
        let program = try load(DeviceProgramEmitter.emit(DeviceRules.effective(rules)))
        defer { close(program) }
        let cgroup = open(cgroupDirectory, O_DIRECTORY | O_RDONLY | O_CLOEXEC)
        if cgroup < 0 { throw RuntimeError(step: "open cgroup", path: cgroupDirectory, "", errno: cshim_errno()) }
        defer { close(cgroup) }
        try attach(program: program, cgroup: cgroup)
    }

    /// The program's descriptor (close-on-exec, as every bpf fd is).
    public static func load(_ instructions: [BPFInstruction]) throws -> Int32 {
        let code = instructions.flatMap(\.bytes)
        // Without a log first: the verifier accepts what the emitter writes, and keeping a log
        // costs it time. The log is asked for only to explain a refusal.
        var fd = code.withUnsafeBytes { load($0, count: instructions.count, log: nil) }
        if fd >= 0 { return fd }
        let first = cshim_errno()
        if first == EPERM {
            let why = "needs CAP_SYS_ADMIN, or CAP_BPF and CAP_NET_ADMIN, in the initial user namespace"
            throw RuntimeError(step: "load device program", path: field, why, errno: first)
        }
        if first != EINVAL && first != EACCES {
            throw RuntimeError(step: "load device program", path: field, "", errno: first)
        }
        // The errno of the first attempt: a log too small for the verifier's turns it into ENOSPC.
        var log = [CChar](repeating: 0, count: 64 << 10)
        fd = code.withUnsafeBytes { bytes in log.withUnsafeMutableBufferPointer { load(bytes, count: instructions.count, log: $0) } }
        if fd >= 0 { return fd }
        log[log.count - 1] = 0
        throw RuntimeError(step: "load device program", path: field, verifierMessage(log), errno: first)
    }

    static func load(_ code: UnsafeRawBufferPointer, count: Int, log: UnsafeMutableBufferPointer<CChar>?) -> Int32 {
        var attr = cshim_bpf_prog_load()
        attr.prog_type = cgroupDeviceProgram
        attr.insn_cnt = UInt32(count)
        attr.insns = UInt64(UInt(bitPattern: code.baseAddress))
        attr.license = UInt64(UInt(bitPattern: license.utf8Start))
        if let log {
            attr.log_level = 1
            attr.log_size = UInt32(log.count)
            attr.log_buf = UInt64(UInt(bitPattern: log.baseAddress))
        }
        withUnsafeMutableBytes(of: &attr.prog_name) { bytes in
            for (i, byte) in name.utf8.enumerated() where i < bytes.count - 1 { bytes[i] = byte }
        }
        var fd: Int32 = -1
        // The verifier gives EAGAIN when a signal interrupts it; libbpf retries the same way.
        for _ in 0..<5 {
            fd = cshim_bpf(progLoad, &attr, UInt32(MemoryLayout<cshim_bpf_prog_load>.size))
            if fd >= 0 || cshim_errno() != EAGAIN { break }
        }
        return fd
    }

    /// The verifier's last lines, where it says what it refused, on one line.
    static func verifierMessage(_ log: [CChar]) -> String {
        let text = log.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let lines = text.split(separator: "\n").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return "the verifier refused it" }
        return "the verifier refused it: " + lines.suffix(3).joined(separator: "; ")
    }

    /// Flags 0: the cgroup holds at most one device program, and attaching again replaces it
    /// in place (the kernel swaps it in one step), which is what `update` needs. It also means
    /// a cgroup below this one cannot attach its own device program (EPERM), and that an
    /// attach fails with EPERM where someone else attached with BPF_F_ALLOW_MULTI.
    public static func attach(program: Int32, cgroup: Int32) throws {
        var attr = cshim_bpf_prog_attach()
        attr.target_fd = UInt32(bitPattern: cgroup)
        attr.attach_bpf_fd = UInt32(bitPattern: program)
        attr.attach_type = cgroupDeviceAttach
        attr.attach_flags = 0
        if cshim_bpf(progAttach, &attr, UInt32(MemoryLayout<cshim_bpf_prog_attach>.size)) != 0 {
            let code = cshim_errno()
            let why = code == EPERM ? "a program attached with other flags is in the way, or a parent cgroup's allows no override" : ""
            throw RuntimeError(step: "attach device program", path: field, why, errno: code)
        }
    }
}
