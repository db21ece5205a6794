/// A parsed JSON document.
///
/// Numbers keep their literal text: config.json carries 64-bit limits and ids that a Double
/// would round, and the writer must give back exactly what it was given.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON object that remembers key order, so that rewriting a file (state.json, a spec we
/// generate) keeps it readable and diffable. Duplicate keys are kept as parsed; lookup takes
/// the last one, as Go's encoding/json (and so runc) does.
public struct JSONObject: Sendable, Equatable {
    public var entries: [(key: String, value: JSONValue)]

    public init(_ entries: [(key: String, value: JSONValue)] = []) {
        self.entries = entries
    }

    public var isEmpty: Bool { entries.isEmpty }

    /// Reading searches from the end so the last duplicate wins. Setting keeps the key where
    /// it first appeared and drops any duplicates, so a rewritten file stays in the same order;
    /// nil removes the key.
    public subscript(key: String) -> JSONValue? {
        get {
            var index = entries.count
            while index > 0 {
                index -= 1
                if entries[index].key == key { return entries[index].value }
            }
            return nil
        }
        set {
            guard let newValue else {
                entries.removeAll { $0.key == key }
                return
            }
            guard let first = entries.firstIndex(where: { $0.key == key }) else {
                entries.append((key: key, value: newValue))
                return
            }
            entries[first].value = newValue
            var index = entries.count - 1
            while index > first {
                if entries[index].key == key { entries.remove(at: index) }
                index -= 1
            }
        }
    }

    /// Structural equality: same keys, same order, same values. Objects that differ only in
    /// key order are unequal; that is what a round-trip test wants to see.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        for (left, right) in zip(lhs.entries, rhs.entries) where left.key != right.key || left.value != right.value {
            return false
        }
        return true
    }
}

extension JSONValue {
    public static func int<T: BinaryInteger>(_ v: T) -> JSONValue {
        .number("\(v)")
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The value of an integer literal ("12", "-3"); nil for fractions, exponents, overflow.
    public var intValue: Int? {
        guard case .number(let text) = self else { return nil }
        return JSONNumber.integer(text, as: Int.self)
    }

    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public subscript(key: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[key]
    }
}

/// Integer conversion of number literals, shared by `intValue` and the spec decoder.
enum JSONNumber {
    enum Failure: Error {
        /// The literal has a fraction or exponent part.
        case notInteger
        /// An integer that does not fit the requested type.
        case outOfRange
    }

    static func integer<T: FixedWidthInteger>(_ text: String, as type: T.Type) -> T? {
        try? exactInteger(text, as: type)
    }

    /// Only plain integer literals count, as Go's strconv.ParseInt does for runc: "1e3" and
    /// "1.0" are rejected rather than silently converted.
    static func exactInteger<T: FixedWidthInteger>(_ text: String, as _: T.Type) throws(Failure) -> T {
        var utf8 = text.utf8.makeIterator()
        var negative = false
        var sawDigit = false
        var result: T = 0
        var first = true
        var overflowed = false
        while let byte = utf8.next() {
            if first, byte == UInt8(ascii: "-") {
                negative = true
                first = false
                continue
            }
            first = false
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .notInteger }
            sawDigit = true
            if overflowed { continue }
            let digit = T(byte - UInt8(ascii: "0"))
            let (scaled, o1) = result.multipliedReportingOverflow(by: 10)
            // Accumulate negatives downwards so T.min is reachable.
            let (next, o2) = negative ? scaled.subtractingReportingOverflow(digit) : scaled.addingReportingOverflow(digit)
            if o1 || o2 { overflowed = true } else { result = next }
        }
        guard sawDigit else { throw .notInteger }
        if overflowed { throw .outOfRange }
        return result
    }
}
