/// Serializes a `JSONValue`.
///
/// Output is built as UTF-8 bytes and turned into a String once, which is far cheaper than
/// growing a String piece by piece. Keys come out in stored order. Escaping is the minimum
/// RFC 8259 asks for plus the short forms; '/' and non-ASCII text are written as they are.
public enum JSONWriter {
    /// Compact output: no whitespace at all. Pretty output: 2-space indent, `"key": value`,
    /// empty containers as `[]` / `{}`, no trailing newline.
    public static func serialize(_ value: JSONValue, pretty: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, to: &out, pretty: pretty, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }

    private static func write(_ value: JSONValue, to out: inout [UInt8], pretty: Bool, indent: Int) {
        switch value {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let flag):
            out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let text):
            out.append(contentsOf: text.utf8)
        case .string(let text):
            writeString(text, to: &out)
        case .array(let items):
            guard !items.isEmpty else {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(to: &out, indent: indent + 1) }
                write(item, to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(to: &out, indent: indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.entries.isEmpty else {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            for (position, entry) in object.entries.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                if pretty { newline(to: &out, indent: indent + 1) }
                writeString(entry.key, to: &out)
                out.append(UInt8(ascii: ":"))
                if pretty { out.append(UInt8(ascii: " ")) }
                write(entry.value, to: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { newline(to: &out, indent: indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(to out: inout [UInt8], indent: Int) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    /// Copies runs of bytes that need no escaping in one go; most strings are one run.
    private static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                appendEscape(byte, to: &out)
                runStart = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        let short: UInt8
        switch byte {
        case 0x08: short = UInt8(ascii: "b")
        case 0x0C: short = UInt8(ascii: "f")
        case 0x0A: short = UInt8(ascii: "n")
        case 0x0D: short = UInt8(ascii: "r")
        case 0x09: short = UInt8(ascii: "t")
        case 0x00..<0x20:
            out.append(contentsOf: "\\u00".utf8)
            out.append(hexDigit(byte >> 4))
            out.append(hexDigit(byte & 0xF))
            return
        default:
            short = byte  // '"' and '\\' escape as themselves
        }
        out.append(UInt8(ascii: "\\"))
        out.append(short)
    }
}

extension JSONWriter {
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

extension JSONValue {
    public func serialized(pretty: Bool = false) -> String {
        JSONWriter.serialize(self, pretty: pretty)
    }
}
