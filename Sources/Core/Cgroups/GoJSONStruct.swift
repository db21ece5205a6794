/// A JSON object written the way Go's encoding/json writes a struct, so that our events
/// are byte-for-byte comparable with runc's: fields in declaration order, and `omitempty`
/// fields left out when they hold a zero number, an empty string, list or map. (A nested
/// struct is never empty to Go, so struct-valued fields always go through `field`.)
struct GoJSONStruct {
    private(set) var entries: [(key: String, value: JSONValue)] = []

    mutating func field(_ key: String, _ value: JSONValue) {
        entries.append((key, value))
    }

    mutating func field(_ key: String, _ value: UInt64) {
        entries.append((key, .int(value)))
    }

    mutating func omitEmpty(_ key: String, _ value: UInt64) {
        if value != 0 { field(key, value) }
    }

    mutating func omitEmpty(_ key: String, _ value: String) {
        if !value.isEmpty { field(key, .string(value)) }
    }

    mutating func omitEmpty(_ key: String, _ items: [JSONValue]) {
        if !items.isEmpty { field(key, .array(items)) }
    }

    mutating func omitEmpty(_ key: String, _ object: JSONObject) {
        if !object.isEmpty { field(key, .object(object)) }
    }

    /// For pointer fields tagged omitempty: nil is left out.
    mutating func omitEmpty(_ key: String, _ value: JSONValue?) {
        if let value { field(key, value) }
    }

    var json: JSONValue { .object(JSONObject(entries)) }
}

extension JSONObject {
    /// A Go map[string]uint64 as encoding/json writes it: keys sorted bytewise, last
    /// duplicate wins.
    init(goMap pairs: [(key: String, value: UInt64)]) {
        var latest: [String: UInt64] = [:]
        for pair in pairs { latest[pair.key] = pair.value }
        self.init(latest.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).map { ($0, JSONValue.int(latest[$0]!)) })
    }
}
