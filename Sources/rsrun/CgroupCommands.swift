import Core
import Glibc
import Rootless

extension CLI {
    /// `update [flags] ID`, runc's flags; `-r FILE` (or `-` for stdin) gives a resources
    /// document, which the other flags override.
    mutating func update(_ args: ArraySlice<String>) throws -> Int32 {
        let table = FlagTable(ResourceUpdate.flagNames.map { ($0, true) })
        let (flags, positionals, _) = try table.parse(args)
        let id = try singleID(positionals)
        var base = Spec.Resources()
        if let file = flags["--resources"] {
            let bytes = file == "-" ? FileIO.readAll(fd: 0) : FileIO.read(file)
            guard let bytes else { throw RuntimeError.system("read", path: file == "-" ? "stdin" : file) }
            base = try ResourceUpdate.parse(bytes, source: file == "-" ? "stdin" : file)
        }
        try runtime().update(id, try ResourceUpdate.apply({ flags[$0] }, to: base), requireChange: flags["--resources"] == nil)
        return 0
    }
}

extension CLI {
    /// `events [--stats] [--interval D] ID`, runc's JSON lines on stdout.
    mutating func events(_ args: ArraySlice<String>) throws -> Int32 {
        let (flags, positionals, _) = try FlagTable([(["--stats"], false), (["--interval"], true)]).parse(args)
        let id = try singleID(positionals)
        let interval = try flags["--interval"].map { try EventInterval.parse($0) } ?? EventInterval.standard
        try runtime().events(id, stats: flags.isSet("--stats"), interval: interval) { line in
            _ = FileIO.writeAll(fd: 1, Array(line.utf8))
        }
        return 0
    }
}
