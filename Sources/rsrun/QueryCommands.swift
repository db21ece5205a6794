import Core
import Glibc
import Rootless

extension CLI {
    mutating func state(_ args: ArraySlice<String>) throws -> Int32 {
        let (_, positionals, _) = try Verbs.state.parse(args)
        let id = try singleID(positionals)
        let runtime = try runtime()
        let (record, status) = try runtime.inspect(id)
        guard let record else {
            // Still being created: only what the directory itself tells.
            Output.out(JSONValue.object(JSONObject([
                ("ociVersion", .string(CLI.specVersion)), ("id", .string(id)), ("pid", .int(0)),
                ("status", .string(status.rawValue)), ("bundle", .string("")),
            ])).serialized(pretty: true))
            return 0
        }
        Output.out(record.ociState(status: status).serialized(pretty: true))
        return 0
    }

    mutating func list(_ args: ArraySlice<String>) throws -> Int32 {
        let (flags, _, _) = try Verbs.list.parse(args)
        let format = flags["--format"] ?? "table"
        guard format == "table" || format == "json" else {
            throw RuntimeError(path: "--format", "must be table or json, got \"\(format)\"")
        }
        let runtime = try runtime()
        var rows: [(record: ContainerRecord, status: ContainerStatus, owner: String)] = []
        for id in runtime.store.ids() {
            guard let record = try? runtime.store.record(id) else { continue }
            rows.append((record, runtime.store.status(of: record), userName(record.ownerUID)))
        }
        if flags.isSet("--quiet") {
            for row in rows { Output.out(row.record.id) }
        } else if format == "json" {
            let items: [JSONValue] = rows.map { row in
                guard case .object(var object) = row.record.ociState(status: row.status) else { return .null }
                object["owner"] = .string(row.owner)
                return .object(object)
            }
            Output.out(JSONValue.array(items).serialized())
        } else {
            var table = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
            for row in rows {
                let pid = row.status == .stopped ? 0 : row.record.pid
                table.append([row.record.id, "\(pid)", row.status.rawValue, row.record.bundle, row.record.created, row.owner])
            }
            Output.out(CLI.columns(table))
        }
        return 0
    }

    func userName(_ uid: UInt32) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "#\(uid)" }
        return String(cString: name)
    }

    /// Left-aligned columns, at least three spaces apart, like runc's tabwriter output.
    static func columns(_ rows: [[String]]) -> String {
        var widths = [Int](repeating: 0, count: rows.first?.count ?? 0)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 3)
            }.joined()
        }.joined(separator: "\n")
    }

    mutating func spec(_ args: ArraySlice<String>) throws -> Int32 {
        let (flags, positionals, _) = try Verbs.spec.parse(args)
        if let extra = positionals.first { throw RuntimeError("unexpected argument \"\(extra)\"") }
        let dir = flags["--bundle"] ?? "."
        let path = dir + "/config.json"
        if FileIO.exists(path) { throw RuntimeError(path: path, "already exists; remove it first") }
        var mappings: IDMaps?
        if flags.isSet("--rootless") {
            let (maps, notes) = Identity.detect(override: rootless).defaultContainerMappings()
            for note in notes { warn(note) }
            mappings = maps
        }
        let json = DefaultSpec.json(mappings: mappings)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 { throw RuntimeError.system("write", path: path) }
        defer { close(fd) }
        if !FileIO.writeAll(fd: fd, Array((json.serialized(pretty: true) + "\n").utf8)) {
            throw RuntimeError.system("write", path: path)
        }
        return 0
    }
}

extension CLI {
    /// `ps [--format table|json] ID [ps options]`, runc's grammar ("--" before the ps options
    /// is allowed).
    mutating func ps(_ args: ArraySlice<String>) throws -> Int32 {
        let (flags, _, rest) = try Verbs.ps.parse(args)
        guard let id = rest.first else { throw RuntimeError("container id is required") }
        context += " " + id
        var psArgs = Array(rest.dropFirst())
        if psArgs.first == "--" { psArgs.removeFirst() }
        let format = flags["--format"] ?? "table"
        let runtime = try runtime()
        switch format {
        case "json":
            if !psArgs.isEmpty { throw RuntimeError(path: "--format", "ps options cannot be used with json") }
            Output.out(JSONValue.array(try runtime.processes(id).map { .int($0) }).serialized())
        case "table":
            Output.out(try runtime.psTable(id, psArgs: psArgs, environment: CLI.environment()))
        default:
            throw RuntimeError(path: "--format", "must be table or json, got \"\(format)\"")
        }
        return 0
    }

    static func getenv(_ name: String) -> String? {
        Glibc.getenv(name).map { String(cString: $0) }
    }

    static func environment() -> [String] {
        var entries: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            entries.append(String(cString: entry))
            cursor += 1
        }
        return entries
    }
}
