import Rootless

/// A strict RFC 8259 parser.
///
/// Strict because config.json is written by other tools and a runtime that guesses at a
/// malformed file may start a container differently from what its author meant. Choices:
/// - no byte-order mark, comments, trailing commas, NaN, leading zeros or leading '+';
/// - strings must be valid UTF-8 and must not hold raw control characters;
/// - a \u escape that leaves a lone surrogate is an error (not replaced by U+FFFD), because
///   a replacement would silently change a path or an argument;
/// - nesting deeper than `maxDepth` is an error, so a hostile file cannot exhaust the stack.
///
/// Errors are `RuntimeError(path: source, "line L, column C: ...")`, the column counting
/// characters (not bytes) from 1.
public enum JSONParser {
    public static let maxDepth = 512

    public static func parse(_ bytes: [UInt8], source: String) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(bytes: buffer, source: source)
            return try reader.document()
        }
    }
}

/// The parser state: a cursor over the bytes. Works on an unsafe buffer so the hot loops
/// (whitespace, plain string runs, digits) are plain pointer reads.
private struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let source: String
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, source: String) {
        self.bytes = bytes
        self.source = source
    }

    mutating func document() throws -> JSONValue {
        let value = try value(depth: 0)
        skipWhitespace()
        if index < bytes.count {
            throw failure("unexpected \(describe(bytes[index])) after the JSON value")
        }
        return value
    }

    // MARK: values

    mutating func value(depth: Int) throws -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case let byte: throw failure("expected a value, got \(describe(byte))")
        }
    }

    mutating func object(depth: Int) throws -> JSONValue {
        guard depth <= JSONParser.maxDepth else {
            throw failure("nesting deeper than \(JSONParser.maxDepth) levels")
        }
        index += 1
        var entries: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject(entries))
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input") }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw failure("expected a string as object key, got \(describe(bytes[index]))")
            }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input") }
            guard bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':'") }
            index += 1
            let value = try value(depth: depth)
            entries.append((key: key, value: value))
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(JSONObject(entries))
            default:
                throw failure("expected ',' or '}'")
            }
        }
    }

    mutating func array(depth: Int) throws -> JSONValue {
        guard depth <= JSONParser.maxDepth else {
            throw failure("nesting deeper than \(JSONParser.maxDepth) levels")
        }
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            items.append(try value(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(items)
            default:
                throw failure("expected ',' or ']'")
            }
        }
    }

    mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        let start = word.utf8Start
        for offset in 0..<count {
            guard index + offset < bytes.count, bytes[index + offset] == start[offset] else {
                index += offset
                if index >= bytes.count { throw failure("unexpected end of input") }
                throw failure("invalid literal, expected '\(word)'")
            }
        }
        index += count
    }

    /// Keeps the literal text; conversion to a machine integer happens where the target
    /// width is known.
    mutating func number() throws -> JSONValue {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw expectedDigit() }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) {
                index -= 1
                throw failure("leading zeros are not allowed")
            }
        } else {
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw expectedDigit() }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw expectedDigit() }
            skipDigits()
        }
        return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
    }

    // MARK: strings

    /// Plain runs are validated in place and copied once; a scratch buffer is used only when
    /// the string holds escapes.
    mutating func string() throws -> String {
        let quote = index
        index += 1
        var runStart = index
        var scratch: [UInt8]? = nil
        while true {
            guard index < bytes.count else {
                index = quote
                throw failure("unterminated string")
            }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let run = UnsafeBufferPointer(rebasing: bytes[runStart..<index])
                index += 1
                guard var text = scratch else { return String(decoding: run, as: UTF8.self) }
                text.append(contentsOf: run)
                return String(decoding: text, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                var text = scratch ?? []
                text.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                try escape(into: &text)
                scratch = text
                runStart = index
            } else if byte < 0x20 {
                throw failure("control character in string must be escaped")
            } else if byte < 0x80 {
                index += 1
            } else {
                try skipUTF8Sequence()
            }
        }
    }

    /// Decodes one escape starting at the backslash, appending its UTF-8 bytes.
    mutating func escape(into text: inout [UInt8]) throws {
        let backslash = index
        index += 1
        guard index < bytes.count else { throw failure("unexpected end of input") }
        let letter = bytes[index]
        index += 1
        switch letter {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(letter)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try hex4(escapeAt: backslash)
            var scalar = UInt32(unit)
            if (0xDC00...0xDFFF).contains(unit) {
                index = backslash
                throw failure("lone surrogate \\u\(hexText(unit)) in string")
            }
            if (0xD800...0xDBFF).contains(unit) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    index = backslash
                    throw failure("lone surrogate \\u\(hexText(unit)) in string")
                }
                let lowAt = index
                index += 2
                let low = try hex4(escapeAt: lowAt)
                guard (0xDC00...0xDFFF).contains(low) else {
                    index = backslash
                    throw failure("lone surrogate \\u\(hexText(unit)) in string")
                }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            }
            appendUTF8(scalar, to: &text)
        default:
            index = backslash
            let shown = letter >= 0x21 && letter < 0x7F
                ? "'\\\(Character(Unicode.Scalar(letter)))'"
                : "'\\' followed by \(describe(letter))"
            throw failure("invalid escape \(shown) in string")
        }
    }

    mutating func hex4(escapeAt backslash: Int) throws -> UInt16 {
        var unit: UInt16 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = hexDigit(bytes[index]) else {
                index = backslash
                throw failure("invalid \\u escape, expected 4 hex digits")
            }
            unit = unit << 4 | UInt16(digit)
            index += 1
        }
        return unit
    }

    /// Accepts exactly the well-formed sequences of Unicode Table 3-7: no overlongs, no
    /// encoded surrogates, nothing above U+10FFFF.
    mutating func skipUTF8Sequence() throws {
        let lead = bytes[index]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw failure("invalid UTF-8 in string")
        }
        guard index + length <= bytes.count else { throw failure("invalid UTF-8 in string") }
        let second = bytes[index + 1]
        guard second >= low, second <= high else { throw failure("invalid UTF-8 in string") }
        for offset in 2..<max(length, 2) where bytes[index + offset] & 0xC0 != 0x80 {
            throw failure("invalid UTF-8 in string")
        }
        index += length
    }

    // MARK: helpers

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    func hexText(_ unit: UInt16) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(digits[Int((unit >> UInt16(shift)) & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    func appendUTF8(_ scalar: UInt32, to text: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            text.append(UInt8(scalar))
        case 0x80..<0x800:
            text.append(UInt8(0xC0 | scalar >> 6))
            text.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            text.append(UInt8(0xE0 | scalar >> 12))
            text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            text.append(UInt8(0x80 | scalar & 0x3F))
        default:
            text.append(UInt8(0xF0 | scalar >> 18))
            text.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            text.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    func expectedDigit() -> RuntimeError {
        if index >= bytes.count { return failure("unexpected end of input") }
        return failure("expected a digit, got \(describe(bytes[index]))")
    }

    /// How a byte is named in a message: printable ASCII quoted, anything else in hex, so the
    /// one-line error never carries a raw control character.
    func describe(_ byte: UInt8) -> String {
        if byte >= 0x21, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let digits = Array("0123456789abcdef".utf8)
        let hex = String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
        return "byte 0x\(hex)"
    }

    /// Line and column are worked out only here, on failure, so the happy path counts nothing.
    func failure(_ message: String) -> RuntimeError {
        let end = min(index, bytes.count)
        var line = 1
        var lineStart = 0
        for position in 0..<end where bytes[position] == 0x0A {
            line += 1
            lineStart = position + 1
        }
        var column = 1
        for position in lineStart..<end where bytes[position] & 0xC0 != 0x80 {
            column += 1
        }
        return RuntimeError(path: source, "line \(line), column \(column): \(message)")
    }
}
