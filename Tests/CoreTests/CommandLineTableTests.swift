@testable import Core
import Rootless
import Testing

/// The parts of the command-line table that live in Core: update's flags and the signal
/// names, which the CLI's parser, help and completion read.
@Suite("Command-line tables in Core")
struct CommandLineTableTests {
    @Test("every update flag but --resources is read by ResourceUpdate.apply under its canonical name")
    func updateFlagsAreApplied() {
        var asked: Set<String> = []
        _ = try? ResourceUpdate.apply({ asked.insert($0); return nil }, to: Spec.Resources())
        for flag in ResourceUpdate.flags where flag.names[0] != "--resources" {
            #expect(asked.contains(flag.names[0]), "\(flag.names[0]) is accepted but never applied")
        }
        #expect(asked.isSubset(of: Set(ResourceUpdate.flags.map { $0.names[0] })), "apply reads flags the table lacks: \(asked)")
    }

    @Test("update's flags: unique spellings, each with a value name and one line of help")
    func updateFlagsAreDescribed() {
        let spellings = ResourceUpdate.flags.flatMap(\.names)
        #expect(Set(spellings).count == spellings.count, "\(spellings)")
        for flag in ResourceUpdate.flags {
            #expect(flag.names[0].hasPrefix("--"), "\(flag.names)")
            #expect(!flag.value.isEmpty && flag.value.allSatisfy { $0.isUppercase }, "\(flag.names[0]): \(flag.value)")
            #expect(!flag.help.isEmpty && !flag.help.contains("\n"), "\(flag.names[0])")
        }
    }

    @Test("every signal name completion offers is one kill accepts")
    func signalNamesParse() throws {
        #expect(Signals.names.contains("TERM") && Signals.names.contains("KILL"))
        for name in Signals.names {
            #expect(try Signals.parse(name) > 0, "\(name)")
        }
    }
}
