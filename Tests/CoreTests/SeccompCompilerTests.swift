@testable import Core
import Glibc
import Rootless
import Testing

@Suite("Seccomp: compiling with libseccomp, and the cache of compiled programs")
struct SeccompCompilerTests {
    static func profile(_ rules: [Spec.Seccomp.Syscall], flags: [String] = []) -> Spec.Seccomp {
        var seccomp = Spec.Seccomp(defaultAction: .allow)
        seccomp.architectures = ["SCMP_ARCH_X86_64"]
        seccomp.flags = flags
        seccomp.syscalls = rules
        return seccomp
    }

    @Test("actions map to libseccomp's values; errnoRet and the EPERM default go in the low bits")
    func actions() {
        #expect(SeccompCompiler.action(.errno, errno: 38) == 0x0005_0026)
        #expect(SeccompCompiler.action(.errno, errno: nil) == 0x0005_0001)
        #expect(SeccompCompiler.action(.killProcess, errno: nil) == 0x8000_0000)
        #expect(SeccompCompiler.action(.notify, errno: nil) == 0x7fc0_0000)
        #expect(SeccompCompiler.action(.allow, errno: nil) == 0x7fff_0000)
    }

    @Test("a program comes out; unknown syscall names are notes, not errors; flags become seccomp(2) bits")
    func compile() throws {
        let plan = try SeccompCompiler.compile(Self.profile([
            Spec.Seccomp.Syscall(names: ["mkdir", "no_such_call"], action: .errno, errnoRet: 38),
            Spec.Seccomp.Syscall(names: ["personality"], action: .errno,
                                 args: [Spec.Seccomp.Arg(index: 0, value: 0xff, valueTwo: 8, op: .maskedEqual)]),
        ], flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]), cache: nil)
        #expect(!plan.program.isEmpty && plan.program.count % 8 == 0)
        #expect(plan.flags == 2 | 4 && !plan.notifies && plan.compiledNow)
        #expect(plan.notes == ["linux.seccomp.syscalls[0]: no_such_call skipped: unknown to libseccomp"])
    }

    @Test("bad profiles: an unknown flag or architecture, notify without an absolute listenerPath")
    func refusals() {
        #expect(throws: RuntimeError.self) { try SeccompCompiler.compile(Self.profile([], flags: ["SECCOMP_FILTER_FLAG_FAST"]), cache: nil) }
        var arch = Self.profile([])
        arch.architectures = ["SCMP_ARCH_Z80"]
        #expect(throws: RuntimeError.self) { try SeccompCompiler.compile(arch, cache: nil) }
        var notify = Self.profile([Spec.Seccomp.Syscall(names: ["mkdir"], action: .notify)])
        #expect(throws: RuntimeError.self) { try SeccompCompiler.compile(notify, cache: nil) }
        notify.listenerPath = "relative.sock"
        #expect(throws: RuntimeError.self) { try SeccompCompiler.compile(notify, cache: nil) }
        notify.listenerPath = "/run/listener.sock"
        #expect((try? SeccompCompiler.compile(notify, cache: nil))?.notifies == true)
    }

    @Test("the cache key follows every rule field; a stored program comes back with its notes")
    func cache() throws {
        let base = Self.profile([Spec.Seccomp.Syscall(names: ["mkdir"], action: .errno, errnoRet: 38)])
        var other = base
        other.syscalls[0].errnoRet = 39
        #expect(SeccompCache.key(base) == SeccompCache.key(base))
        #expect(SeccompCache.key(base) != SeccompCache.key(other))
        let dir = try TempDir()
        let cache = SeccompCache(stateRoot: dir.path)
        let fresh = try SeccompCompiler.compile(base, cache: cache)
        #expect(fresh.compiledNow)
        cache.store(fresh.cacheKey, program: fresh.program, notes: ["a note"])
        let again = try SeccompCompiler.compile(base, cache: cache)
        #expect(!again.compiledNow && again.program == fresh.program && again.notes == ["a note"])
        // A torn entry is ignored, not loaded.
        try FileIO.writeAtomically(cache.path(fresh.cacheKey), [1, 0, 0])
        #expect(try SeccompCompiler.compile(base, cache: cache).compiledNow)
    }
}
