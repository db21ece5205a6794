import CShim
@testable import Core
import Glibc
import Rootless
import Testing

/// Where the kernel checks can run: root (loading a device program needs CAP_SYS_ADMIN or
/// CAP_BPF with CAP_NET_ADMIN) and a writable cgroup v2 mount, unified or hybrid.
enum DeviceCgroupHost {
    static let cgroup2: String? = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"].first { FileIO.exists($0 + "/cgroup.controllers") }

    static let unavailableReason: String? = {
        if geteuid() != 0 { return "skipped: needs root to load and attach a device program" }
        guard let root = cgroup2 else { return "skipped: no cgroup v2 at /sys/fs/cgroup/unified or /sys/fs/cgroup" }
        if access(root, W_OK) != 0 { return "skipped: cannot create a cgroup under \(root)" }
        return nil
    }()
}

@Suite(
    "Device program in the kernel: loaded, attached to a cgroup of our own, enforced and replaced",
    .serialized,
    .enabled(if: DeviceCgroupHost.unavailableReason == nil, Comment(rawValue: DeviceCgroupHost.unavailableReason ?? ""))
)
struct DeviceProgramKernelTests {
    typealias Rule = Spec.Resources.DeviceRule

    /// A cgroup made for one test and removed after it, whatever happens.
    final class TestCgroup {
        let path: String

        init() throws {
            path = (DeviceCgroupHost.cgroup2 ?? "") + "/rsrun-devtest-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            if mkdir(path, 0o755) != 0 { throw RuntimeError.system("mkdir", path: path) }
        }

        deinit {
            // A child just reaped can still count as a member for a moment: EBUSY.
            for _ in 0..<100 {
                if rmdir(path) == 0 || cshim_errno() != EBUSY { return }
                usleep(10_000)
            }
        }

        /// A child started inside this cgroup (clone3 CLONE_INTO_CGROUP, so the test process
        /// stays out) opens `device` for reading: 0, or the errno of the failed open.
        func openInside(_ device: String) throws -> Int32 {
            let directory = open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC)
            if directory < 0 { throw RuntimeError.system("open", path: path) }
            defer { close(directory) }
            guard let name = strdup(device) else { throw RuntimeError("strdup") }
            defer { free(name) }
            var args = cshim_clone_args()
            args.flags = 0x2_0000_0000  // CLONE_INTO_CGROUP
            args.exit_signal = UInt64(SIGCHLD)
            args.cgroup = UInt64(directory)
            let pid = cshim_clone3(&args)
            if pid == 0 {
                let fd = open(name, O_RDONLY | O_CLOEXEC)
                _exit(fd >= 0 ? 0 : cshim_errno())
            }
            if pid < 0 { throw RuntimeError.system("clone3 into \(path)") }
            var status: Int32 = 0
            while waitpid(Int32(pid), &status, 0) < 0 && cshim_errno() == EINTR {}
            return (status >> 8) & 0xff
        }

        /// How many device programs the cgroup has (BPF_PROG_QUERY).
        func programCount() throws -> UInt32 {
            let directory = open(path, O_DIRECTORY | O_RDONLY | O_CLOEXEC)
            if directory < 0 { throw RuntimeError.system("open", path: path) }
            defer { close(directory) }
            // union bpf_attr's query: target_fd, attach_type, query_flags, attach_flags,
            // prog_ids (u64, none asked for), prog_cnt; the rest zero.
            var attr = [UInt32](repeating: 0, count: 10)
            attr[0] = UInt32(bitPattern: directory)
            attr[1] = 6  // BPF_CGROUP_DEVICE
            if cshim_bpf(16, &attr, UInt32(attr.count * 4)) != 0 { throw RuntimeError.system("BPF_PROG_QUERY", path: path) }
            return attr[6]
        }
    }

    static let denyAll = Rule(allow: false, access: "rwm")
    static let denyNull = Rule(allow: false, type: .char, major: 1, minor: 3, access: "rwm")

    @Test("deny /dev/null: EPERM inside, /dev/zero still opens; a second install replaces the first")
    func enforceAndReplace() throws {
        let cgroup = try TestCgroup()
        #expect(try cgroup.openInside("/dev/null") == 0)

        try DeviceProgram.install(rules: [Self.denyAll, Self.denyNull], cgroupDirectory: cgroup.path)
        #expect(try cgroup.programCount() == 1)
        #expect(try cgroup.openInside("/dev/null") == EPERM)
        #expect(try cgroup.openInside("/dev/zero") == 0)
        #expect(try cgroup.openInside("/dev/full") == 0)

        try DeviceProgram.install(rules: [Self.denyAll], cgroupDirectory: cgroup.path)
        #expect(try cgroup.programCount() == 1)
        #expect(try cgroup.openInside("/dev/null") == 0)

        try DeviceProgram.install(rules: [Self.denyAll, Rule(allow: false, type: .char, major: 1, access: "r")], cgroupDirectory: cgroup.path)
        #expect(try cgroup.programCount() == 1)
        #expect(try cgroup.openInside("/dev/null") == EPERM)
        #expect(try cgroup.openInside("/dev/zero") == EPERM)
        #expect(try cgroup.openInside("/dev/tty") != EPERM)  // ENXIO without a terminal, but not refused
    }

    @Test("the verifier accepts every block shape the emitter writes")
    func verifierAcceptsEveryShape() throws {
        var rules: [DeviceCgroupRule] = []
        for kind in [nil, DeviceCgroupRule.Kind.char, .block] {
            for major: UInt32? in [nil, 1, UInt32.max] {
                for access: UInt32 in [1, 2, 4, 6, 7] {
                    rules.append(DeviceCgroupRule(allow: true, kind: kind, major: major, minor: 3, access: access))
                    rules.append(DeviceCgroupRule(allow: false, kind: kind, major: major, minor: nil, access: access))
                }
            }
        }
        for program in [DeviceProgramEmitter.emit(rules), DeviceProgramEmitter.emit([]), DeviceProgramEmitter.emit(DeviceRules.defaults)] {
            let fd = try DeviceProgram.load(program)
            #expect(fd >= 0)
            close(fd)
        }
    }

    @Test("a program the verifier refuses comes back as an error with its log")
    func verifierRefusal() {
        do {
            // r0 is never written: the verifier says so.
            let fd = try DeviceProgram.load([.exit])
            close(fd)
            Issue.record("the verifier accepted a program that returns an unset r0")
        } catch let error as RuntimeError {
            #expect(error.step == "load device program")
            #expect(error.path == "linux.resources.devices")
            #expect(error.errno == EACCES)
            #expect(error.message.hasPrefix("the verifier refused it: "))
            #expect(error.message.contains("R0"), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
