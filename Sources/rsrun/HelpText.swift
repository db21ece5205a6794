/// `rsrun help` and `rsrun VERB --help`: plain text from the verb table, 80 columns.
enum HelpText {
    static let width = 80
    /// The widest flag label that still gets its help on the same line.
    static let labelColumn = 28

    static func overview() -> String {
        var out = "rsrun: \(ManualText.tagline)\n\nUsage: rsrun \(ManualText.synopsis)\n\n"
        out += paragraphs(ManualText.description, indent: 0) + "\n"
        out += "Commands:\n"
        out += table(Verbs.all.map { ($0.name, $0.summary) }, column: 12) + "\n"
        out += "Global options:\n" + table(flagRows(Verbs.global)) + "\n"
        out += "Environment:\n" + table(ManualText.environment.map { ($0.name, $0.text) }, newLineAlways: true) + "\n"
        out += "Files:\n" + table(ManualText.files.map { ($0.name, $0.text) }) + "\n"
        out += "Exit status:\n" + paragraphs(ManualText.exitStatus, indent: 2) + "\n"
        out += "Run 'rsrun help COMMAND' or 'rsrun COMMAND --help' for a command's options."
        return out
    }

    static func verb(_ verb: Verb) -> String {
        var out = "rsrun \(verb.name): \(verb.summary)\n\n"
        for (i, form) in verb.synopsis.enumerated() {
            out += (i == 0 ? "Usage: " : "       ") + trimmed("rsrun \(verb.name) \(form)") + "\n"
        }
        out += "\n" + paragraphs(verb.description, indent: 0) + "\n"
        out += "Options:\n" + table(flagRows(verb.flags)) + "\n"
        out += "Global options go before the command: see 'rsrun help'."
        return out
    }

    /// `-b, --bundle DIR`: short spellings first, then the long ones, then the value's name.
    /// With `alignLong`, a flag without a short spelling is indented to line up with the
    /// long spellings of those that have one.
    static func label(_ flag: FlagSpec, alignLong: Bool = false) -> String {
        let short = flag.names.filter { !$0.hasPrefix("--") }
        let long = flag.names.filter { $0.hasPrefix("--") }
        let names = (short.isEmpty && alignLong ? "    " : "") + (short + long).joined(separator: ", ")
        return flag.value.map { names + " " + $0 } ?? names
    }

    static func flagRows(_ flags: [FlagSpec]) -> [(String, String)] {
        let anyShort = flags.contains { $0.names.contains { !$0.hasPrefix("--") } }
        return flags.map { (label($0, alignLong: anyShort), $0.help) }
    }

    /// Two-column rows: the label indented by 2, the text wrapped beside it, or on the next
    /// line when the label is too wide (or always, with `newLineAlways`).
    static func table(_ rows: [(String, String)], column: Int? = nil, newLineAlways: Bool = false) -> String {
        let widest = rows.map { $0.0.count }.max() ?? 0
        let textColumn = newLineAlways ? 6 : (column ?? min(widest, labelColumn) + 4)
        var out = ""
        for (label, text) in rows {
            let lines = wrap(text, width: width - textColumn)
            var first = "  " + label
            if first.count + 2 > textColumn || newLineAlways {
                out += first + "\n"
                first = String(repeating: " ", count: textColumn)
            } else {
                first += String(repeating: " ", count: textColumn - first.count)
            }
            for (i, line) in lines.enumerated() {
                out += (i == 0 ? first : String(repeating: " ", count: textColumn)) + line + "\n"
            }
        }
        return out
    }

    /// Blank-line-separated paragraphs, each wrapped and indented.
    static func paragraphs(_ text: String, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        return split(text).map { paragraph in
            wrap(paragraph, width: width - indent).map { pad + $0 + "\n" }.joined()
        }.joined(separator: "\n")
    }

    /// The paragraphs of a description.
    static func split(_ text: String) -> [String] {
        var result: [String] = []
        var current: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy({ $0 == " " }) {
                if !current.isEmpty { result.append(current.joined(separator: " ")) }
                current = []
            } else {
                current.append(line)
            }
        }
        if !current.isEmpty { result.append(current.joined(separator: " ")) }
        return result
    }

    /// Greedy word wrap; a word longer than the width gets a line of its own.
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    static func trimmed(_ text: String) -> String {
        var text = Substring(text)
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
