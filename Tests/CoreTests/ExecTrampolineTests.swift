@testable import Core
import Glibc
import Rootless
import Testing

@Suite("ExecTrampoline: when the sealed trampoline is used, and its image")
struct ExecTrampolineTests {
    static func profile(_ defaultAction: Spec.Seccomp.Action, _ rules: [Spec.Seccomp.Syscall] = []) -> Spec.Seccomp {
        var seccomp = Spec.Seccomp(defaultAction: defaultAction)
        seccomp.syscalls = rules
        return seccomp
    }

    @Test("used unless an LSM exec label is set or the seccomp profile may refuse execveat")
    func usable() {
        let none = LSMPlan()
        #expect(ExecTrampoline.usable(lsm: none, seccomp: nil))
        #expect(ExecTrampoline.usable(lsm: none, seccomp: Self.profile(.allow)))
        #expect(ExecTrampoline.usable(lsm: none, seccomp: Self.profile(.log)))
        #expect(!ExecTrampoline.usable(lsm: none, seccomp: Self.profile(.errno)))
        // The docker profile: default errno, execve and execveat allowed by name.
        let allowing = Spec.Seccomp.Syscall(names: ["execve", "execveat", "read"], action: .allow)
        #expect(ExecTrampoline.usable(lsm: none, seccomp: Self.profile(.errno, [allowing])))
        let refusing = Spec.Seccomp.Syscall(names: ["execveat"], action: .errno, errnoRet: 1)
        #expect(!ExecTrampoline.usable(lsm: none, seccomp: Self.profile(.allow, [refusing])))
        #expect(!ExecTrampoline.usable(lsm: none, seccomp: Self.profile(.errno, [allowing, refusing])))
        let conditional = Spec.Seccomp.Syscall(names: ["execveat"], action: .allow,
                                               args: [.init(index: 4, value: 0, op: .equal)])
        #expect(!ExecTrampoline.usable(lsm: none, seccomp: Self.profile(.errno, [conditional])))
        var labelled = LSMPlan()
        labelled.apparmorProfile = "docker-default"
        #expect(!ExecTrampoline.usable(lsm: labelled, seccomp: nil))
        labelled = LSMPlan()
        labelled.selinuxLabel = "system_u:system_r:container_t:s0"
        #expect(!ExecTrampoline.usable(lsm: labelled, seccomp: nil))
    }

    @Test("the x86_64 image is a small ELF whose entry point lies inside it")
    func image() throws {
        let image = ExecTrampoline.imageX86_64
        #expect(image.count < 1024)
        #expect(Array(image[0..<4]) == [0x7f, 0x45, 0x4c, 0x46])
        let entry = image[24..<32].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(entry > 0x400000 && entry < 0x400000 + UInt64(image.count))
        #expect(ExecTrampoline.marker.utf8.count == 8)   // the trampoline compares 8 bytes and a NUL
    }

    static let packageDir: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)   // Tests/CoreTests/ExecTrampolineTests.swift
        return parts.joined(separator: "/")
    }()

    @Test("the committed image is what contrib/trampoline/generate.sh makes of the assembly",
          .enabled(if: access("/usr/bin/as", X_OK) == 0 && access("/usr/bin/objcopy", X_OK) == 0,
                   "GNU as and objcopy (binutils) are needed to assemble the trampoline"))
    func imageMatchesSource() throws {
        let dir = try TempDir()
        let fresh = dir.sub("image.swift")
        let status = system("sh '\(Self.packageDir)/contrib/trampoline/generate.sh' '\(fresh)'")
        #expect(status == 0)
        let committed = FileIO.read(Self.packageDir + "/Sources/Core/Process/ExecTrampolineImage.swift")
        #expect(committed != nil && FileIO.read(fresh) == committed, "run contrib/trampoline/generate.sh")
    }
}
