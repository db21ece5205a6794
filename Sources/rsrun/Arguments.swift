import Core
import Rootless

/// A verb's flags, runc style: `--flag value`, `--flag=value`, `-f value`, and single-dash
/// long names (`-root`), which urfave/cli (runc's parser) also accepts.
struct FlagTable {
    /// Every spelling → (canonical name, takes a value).
    var spellings: [String: (name: String, takesValue: Bool)] = [:]

    /// From the verb table (Verbs.swift), the only place flags are declared.
    init(_ flags: [FlagSpec]) {
        for flag in flags {
            for spelling in flag.names { spellings[spelling] = (flag.names[0], flag.takesValue) }
        }
    }

    /// Parsed flags by canonical name, and the positional arguments.
    func parse(_ args: ArraySlice<String>, stopAtFirstPositional: Bool = false) throws -> (flags: Flags, positionals: [String], rest: ArraySlice<String>) {
        var flags = Flags()
        var positionals: [String] = []
        var i = args.startIndex
        while i < args.endIndex {
            let arg = args[i]
            i += 1
            if arg == "--" {
                positionals.append(contentsOf: args[i...])
                return (flags, positionals, [])
            }
            guard arg.hasPrefix("-") && arg.count > 1 else {
                if stopAtFirstPositional { return (flags, positionals, args[(i - 1)...]) }
                positionals.append(arg)
                continue
            }
            var name = arg
            var inline: String?
            if let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            let key = spellings[name] ?? (name.hasPrefix("--") ? nil : spellings["-" + name])
            guard let (canonical, takesValue) = key else {
                throw RuntimeError(path: name, "unknown flag")
            }
            if takesValue {
                if let inline {
                    flags.add(canonical, inline)
                } else if i < args.endIndex {
                    flags.add(canonical, args[i])
                    i += 1
                } else {
                    throw RuntimeError(path: name, "needs a value")
                }
            } else {
                if let inline, inline != "true" && inline != "false" {
                    throw RuntimeError(path: name, "takes no value")
                }
                flags.add(canonical, inline ?? "true")
            }
        }
        return (flags, positionals, [])
    }
}

/// Parsed flags by canonical name. A flag given twice keeps every value (`exec -e A=1 -e B=2`);
/// reading it as one value gives the last, as urfave/cli does.
struct Flags {
    private var values: [String: [String]] = [:]

    mutating func add(_ name: String, _ value: String) { values[name, default: []].append(value) }

    subscript(name: String) -> String? { values[name]?.last }

    func all(_ name: String) -> [String] { values[name] ?? [] }

    func isSet(_ name: String) -> Bool { self[name] == "true" }
}
