import Rootless

/// A spec type built from one JSON object.
protocol SpecDecodable {
    init(_ object: SpecObject) throws
}

/// A JSON value together with its path in config.json (`linux.namespaces[2].type`).
///
/// Decoding goes through this so every error, however deep, names the exact field, and the
/// CLI can print it on one line without the decoder having to thread context by hand.
struct SpecField {
    let value: JSONValue
    let path: String

    func error(_ message: String) -> RuntimeError {
        RuntimeError(path: path, message)
    }

    func object() throws -> SpecObject {
        guard case .object(let object) = value else { throw error("expected an object") }
        return SpecObject(object: object, path: path)
    }

    func array() throws -> [SpecField] {
        guard case .array(let items) = value else { throw error("expected an array") }
        var fields: [SpecField] = []
        fields.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            fields.append(SpecField(value: item, path: "\(path)[\(index)]"))
        }
        return fields
    }

    func string() throws -> String {
        guard case .string(let text) = value else { throw error("expected a string") }
        return text
    }

    func bool() throws -> Bool {
        guard case .bool(let flag) = value else { throw error("expected a boolean") }
        return flag
    }

    /// An integer of exactly the width the spec gives the field; fractions, exponents and
    /// values that do not fit are errors rather than being rounded or clamped.
    func integer<T: FixedWidthInteger>(_ type: T.Type = T.self) throws -> T {
        guard case .number(let text) = value else { throw error("expected a number") }
        do {
            return try JSONNumber.exactInteger(text, as: type)
        } catch .notInteger {
            throw error("expected an integer")
        } catch .outOfRange {
            throw error("out of range for \(T.isSigned ? "int" : "uint")\(T.bitWidth)")
        }
    }

    /// A value from a closed set, e.g. a namespace type. `what` names the set in the error:
    /// `unknown namespace type "foo"`.
    func choice<E: RawRepresentable>(_ what: String, _ type: E.Type = E.self) throws -> E where E.RawValue == String {
        let text = try string()
        guard let picked = E(rawValue: text) else { throw error("unknown \(what) \(SpecPath.quoted(text))") }
        return picked
    }

    func strings() throws -> [String] {
        try array().map { try $0.string() }
    }

    func integers<T: FixedWidthInteger>(_ type: T.Type = T.self) throws -> [T] {
        try array().map { try $0.integer(type) }
    }

    func choices<E: RawRepresentable>(_ what: String, _ type: E.Type = E.self) throws -> [E] where E.RawValue == String {
        try array().map { try $0.choice(what, type) }
    }

    /// A string-to-string map (annotations, sysctl). Duplicate keys: the last one wins.
    func stringMap() throws -> [String: String] {
        var map: [String: String] = [:]
        for entry in try object().entries() {
            map[entry.key] = try entry.field.string()
        }
        return map
    }

    func decode<T: SpecDecodable>(_ type: T.Type = T.self) throws -> T {
        try T(object())
    }

    func list<T: SpecDecodable>(_ type: T.Type = T.self) throws -> [T] {
        try array().map { try $0.decode(type) }
    }

    func map<T: SpecDecodable>(_ type: T.Type = T.self) throws -> [String: T] {
        var map: [String: T] = [:]
        for entry in try object().entries() {
            map[entry.key] = try entry.field.decode(type)
        }
        return map
    }

    /// uid/gid mapping lists; `IDMapping` lives in Rootless, so it cannot adopt SpecDecodable
    /// there without pulling spec knowledge down a layer.
    func idMappings() throws -> [IDMapping] {
        try array().map { item in
            let object = try item.object()
            return IDMapping(
                containerID: try object.require("containerID").integer(),
                hostID: try object.require("hostID").integer(),
                size: try object.require("size").integer()
            )
        }
    }
}

/// A JSON object at a path. Absent and `null` read the same: the spec gives `null` no
/// meaning of its own, and Go's decoder (runc) treats it as "not set".
struct SpecObject {
    let object: JSONObject
    let path: String

    subscript(key: String) -> SpecField? {
        guard let value = object[key], !value.isNull else { return nil }
        return SpecField(value: value, path: SpecPath.child(path, key))
    }

    func require(_ key: String) throws -> SpecField {
        guard let field = self[key] else {
            throw RuntimeError(path: SpecPath.child(path, key), "is required")
        }
        return field
    }

    /// The object read as a map (annotations, sysctl), in document order so that assigning
    /// into a dictionary lets the last duplicate win. `null` entries are skipped, like absent
    /// fields.
    func entries() -> [(key: String, field: SpecField)] {
        object.entries.compactMap { entry in
            if entry.value.isNull { return nil }
            return (key: entry.key, field: SpecField(value: entry.value, path: SpecPath.child(path, entry.key)))
        }
    }
}

/// Spelling of JSON paths in error messages.
enum SpecPath {
    /// `parent.key`, or `parent["some.key"]` when the key is not a plain identifier (sysctl
    /// names and annotation keys contain dots, which would make the path ambiguous).
    static func child(_ parent: String, _ key: String) -> String {
        if isIdentifier(key) {
            return parent.isEmpty ? key : "\(parent).\(key)"
        }
        return "\(parent)[\(SpecPath.quoted(key))]"
    }

    /// A string as it appears in an error: JSON-quoted, so control characters cannot break
    /// the one-line message and an empty string is visible.
    static func quoted(_ text: String) -> String {
        JSONValue.string(text).serialized()
    }

    static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else {
            return false
        }
        return key.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "_")
        }
    }
}

