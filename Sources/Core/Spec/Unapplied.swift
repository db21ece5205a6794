/// Fields rsrun parses but does not act on yet.
///
/// The one table below is the single source of truth: `rsrun features` lists it and the
/// create path warns about whatever a given config uses from it, so a user never believes a
/// limit or a hook took effect when it did not. When support for a field lands, delete its
/// row. Empty strings and empty lists count as absent, since they ask for nothing.
public enum Unapplied {
    /// JSON paths of fields present in this spec that rsrun parses but does not apply yet.
    /// Per-element fields name the element (`mounts[2].uidMappings`).
    public static func fields(in spec: Spec) -> [String] {
        table.flatMap { $0.find(spec) }
    }

    /// Every field rsrun parses but does not apply yet; `[]` marks a per-element field.
    public static let all: [String] = table.map(\.path)

    private static let table: [Row] = [
        Row("process.user.username") { isSet($0.process?.user.username) },
        Row("process.commandLine") { isSet($0.process?.commandLine) },
        Row("linux.intelRdt") { $0.linux?.intelRdt != nil },
        Row("linux.memoryPolicy") { $0.linux?.memoryPolicy != nil },
        Row("linux.netDevices") { !($0.linux?.netDevices.isEmpty ?? true) },
    ]

    private static func isSet(_ text: String?) -> Bool {
        !(text?.isEmpty ?? true)
    }

    private struct Row: Sendable {
        let path: String
        let find: @Sendable (Spec) -> [String]

        init(_ path: String, present: @escaping @Sendable (Spec) -> Bool) {
            self.path = path
            self.find = { present($0) ? [path] : [] }
        }

        /// A field of each element of a list: `used` says, per element, whether it is set.
        init(each list: String, _ field: String, used: @escaping @Sendable (Spec) -> [Bool]) {
            self.path = "\(list)[].\(field)"
            self.find = { spec in
                used(spec).enumerated().compactMap { $0.element ? "\(list)[\($0.offset)].\(field)" : nil }
            }
        }
    }
}
