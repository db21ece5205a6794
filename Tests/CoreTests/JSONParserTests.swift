import Core
import Rootless
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8), source: "test.json")
    }

    /// The full one-line description the CLI would print for a syntax error.
    private func failure(_ bytes: [UInt8]) -> String? {
        do {
            _ = try JSONParser.parse(bytes, source: "test.json")
            return nil
        } catch let error as RuntimeError {
            return error.description
        } catch {
            return "unexpected error type: \(error)"
        }
    }

    private func failure(_ text: String) -> String? {
        failure(Array(text.utf8))
    }

    // MARK: valid input

    @Test func scalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse(" \t\r\n false \n") == .bool(false))
        #expect(try parse("\"hi\"") == .string("hi"))
        #expect(try parse("42") == .number("42"))
    }

    @Test func containers() throws {
        let value = try parse(#"{"a": [1, {"b": null}, []], "c": {}, "d": "e"}"#)
        let expected = JSONValue.object(JSONObject([
            (key: "a", value: .array([.number("1"), .object(JSONObject([(key: "b", value: .null)])), .array([])])),
            (key: "c", value: .object(JSONObject())),
            (key: "d", value: .string("e")),
        ]))
        #expect(value == expected)
        #expect(value["d"]?.stringValue == "e")
        #expect(value["a"]?.arrayValue?.count == 3)
        #expect(value["missing"] == nil)
        #expect(JSONValue.string("x")["a"] == nil)
    }

    @Test func keyOrderIsKept() throws {
        let value = try parse(#"{"z": 1, "a": 2, "m": 3}"#)
        #expect(value.objectValue?.entries.map(\.key) == ["z", "a", "m"])
    }

    @Test func duplicateKeysLastWins() throws {
        let value = try parse(#"{"a": 1, "b": 2, "a": 3}"#)
        #expect(value["a"] == .number("3"))
        #expect(value.objectValue?.entries.count == 3)
    }

    @Test(arguments: ["0", "-0", "7", "-12", "1.5", "-0.25", "1e3", "1E+3", "2.5e-10", "123456789012345678901234567890"])
    func numbersKeepTheirText(_ literal: String) throws {
        #expect(try parse(literal) == .number(literal))
    }

    @Test func integerValues() throws {
        #expect(try parse("12").intValue == 12)
        #expect(try parse("-9223372036854775808").intValue == Int.min)
        #expect(try parse("9223372036854775807").intValue == Int.max)
        #expect(try parse("9223372036854775808").intValue == nil)
        #expect(try parse("1.0").intValue == nil)
        #expect(try parse("1e2").intValue == nil)
        #expect(try parse("\"1\"").intValue == nil)
        #expect(JSONValue.int(UInt64.max) == .number("18446744073709551615"))
        #expect(JSONValue.int(Int8(-3)).intValue == -3)
    }

    @Test func escapes() throws {
        #expect(try parse(#""a\"b\\c\/d\be\ff\ng\rh\ti""#) == .string("a\"b\\c/d\u{8}e\u{C}f\ng\rh\ti"))
        #expect(try parse(#""\u0041\u00e9\u4e2D""#) == .string("Aé中"))
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func surrogatePairs() throws {
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""x\uD834\uDD1Ey""#) == .string("x𝄞y"))
    }

    @Test func rawUTF8() throws {
        #expect(try parse("\"héllo 中文 😀\"") == .string("héllo 中文 😀"))
    }

    @Test func depthLimit() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try parse(deepest) }
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(failure(tooDeep) == "test.json: line 1, column 513: nesting deeper than 512 levels")
        let objects = String(repeating: #"{"a":"#, count: 513) + "1" + String(repeating: "}", count: 513)
        #expect(failure(objects) == "test.json: line 1, column 2561: nesting deeper than 512 levels")
    }

    // MARK: invalid input

    @Test func lineAndColumn() {
        let text = "{\n  \"a\": 1,\n  \"b\" 2\n}"
        #expect(failure(text) == "test.json: line 3, column 7: expected ':'")
        #expect(failure("{\n  \"a\": 1\n  \"b\": 2\n}") == "test.json: line 3, column 3: expected ',' or '}'")
        #expect(failure("[1,\n 2\n 3]") == "test.json: line 3, column 2: expected ',' or ']'")
    }

    @Test func columnsCountCharactersNotBytes() {
        #expect(failure(#"["é中😀", x]"#) == "test.json: line 1, column 9: expected a value, got 'x'")
    }

    @Test func endOfInput() {
        #expect(failure("") == "test.json: line 1, column 1: unexpected end of input")
        #expect(failure("   ") == "test.json: line 1, column 4: unexpected end of input")
        #expect(failure(#"{"a": "#) == "test.json: line 1, column 7: unexpected end of input")
        #expect(failure("[1, 2") == "test.json: line 1, column 6: unexpected end of input")
        #expect(failure(#"{"a": "b"#) == "test.json: line 1, column 7: unterminated string")
        #expect(failure("tru") == "test.json: line 1, column 4: unexpected end of input")
    }

    @Test func trailingGarbage() {
        #expect(failure("{} x") == "test.json: line 1, column 4: unexpected 'x' after the JSON value")
        #expect(failure("{}{}") == "test.json: line 1, column 3: unexpected '{' after the JSON value")
        #expect(failure("1 2") == "test.json: line 1, column 3: unexpected '2' after the JSON value")
        #expect(failure([0x7B, 0x7D, 0x00]) == "test.json: line 1, column 3: unexpected byte 0x00 after the JSON value")
    }

    @Test func nonStandardSyntaxIsRejected() {
        #expect(failure("[1, 2,]") == "test.json: line 1, column 7: expected a value, got ']'")
        #expect(failure(#"{"a": 1,}"#) == "test.json: line 1, column 9: expected a string as object key, got '}'")
        #expect(failure("{a: 1}") == "test.json: line 1, column 2: expected a string as object key, got 'a'")
        #expect(failure("['a']") == "test.json: line 1, column 2: expected a value, got '''")
        #expect(failure("// c\n{}") == "test.json: line 1, column 1: expected a value, got '/'")
        #expect(failure("NaN") == "test.json: line 1, column 1: expected a value, got 'N'")
        #expect(failure("nul") == "test.json: line 1, column 4: unexpected end of input")
        #expect(failure("trUe") == "test.json: line 1, column 3: invalid literal, expected 'true'")
        #expect(failure([0xEF, 0xBB, 0xBF, 0x7B, 0x7D]) == "test.json: line 1, column 1: expected a value, got byte 0xef")
    }

    @Test func badNumbers() {
        #expect(failure("01") == "test.json: line 1, column 1: leading zeros are not allowed")
        #expect(failure("-007") == "test.json: line 1, column 2: leading zeros are not allowed")
        #expect(failure("+1") == "test.json: line 1, column 1: expected a value, got '+'")
        #expect(failure("-") == "test.json: line 1, column 2: unexpected end of input")
        #expect(failure("-a") == "test.json: line 1, column 2: expected a digit, got 'a'")
        #expect(failure("1.") == "test.json: line 1, column 3: unexpected end of input")
        #expect(failure("1.e5") == "test.json: line 1, column 3: expected a digit, got 'e'")
        #expect(failure(".5") == "test.json: line 1, column 1: expected a value, got '.'")
        #expect(failure("1e") == "test.json: line 1, column 3: unexpected end of input")
        #expect(failure("[1e+]") == "test.json: line 1, column 5: expected a digit, got ']'")
        #expect(failure("0x10") == "test.json: line 1, column 2: unexpected 'x' after the JSON value")
    }

    @Test func controlCharactersInStrings() {
        #expect(failure("\"a\tb\"") == "test.json: line 1, column 3: control character in string must be escaped")
        #expect(failure("[\"line\nbreak\"]") == "test.json: line 1, column 7: control character in string must be escaped")
        #expect(failure([0x22, 0x00, 0x22]) == "test.json: line 1, column 2: control character in string must be escaped")
    }

    @Test func badEscapes() {
        #expect(failure(#""a\qb""#) == #"test.json: line 1, column 3: invalid escape '\q' in string"#)
        #expect(failure(#""\x41""#) == #"test.json: line 1, column 2: invalid escape '\x' in string"#)
        #expect(failure(#""\u12G4""#) == #"test.json: line 1, column 2: invalid \u escape, expected 4 hex digits"#)
        #expect(failure(#""\u12""#) == #"test.json: line 1, column 2: invalid \u escape, expected 4 hex digits"#)
        #expect(failure("\"\\\u{1}\"") == #"test.json: line 1, column 2: invalid escape '\' followed by byte 0x01 in string"#)
    }

    @Test func loneSurrogates() {
        #expect(failure(#""\ud800""#) == #"test.json: line 1, column 2: lone surrogate \uD800 in string"#)
        #expect(failure(#""ab\uDC00""#) == #"test.json: line 1, column 4: lone surrogate \uDC00 in string"#)
        #expect(failure(#""\uD800\u0041""#) == #"test.json: line 1, column 2: lone surrogate \uD800 in string"#)
        #expect(failure(#""\uD800\uD800""#) == #"test.json: line 1, column 2: lone surrogate \uD800 in string"#)
        #expect(failure(#""\uD800x""#) == #"test.json: line 1, column 2: lone surrogate \uD800 in string"#)
    }

    @Test func invalidUTF8() {
        let cases: [[UInt8]] = [
            [0x22, 0xC3, 0x28, 0x22],        // truncated 2-byte sequence
            [0x22, 0xC0, 0x80, 0x22],        // overlong NUL
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0x80, 0x22],              // stray continuation byte
            [0x22, 0xE2, 0x82],              // cut off by end of input
        ]
        for bytes in cases {
            #expect(failure(bytes) == "test.json: line 1, column 2: invalid UTF-8 in string")
        }
    }

    @Test func errorCarriesSourceAsPath() throws {
        let error = #expect(throws: RuntimeError.self) {
            try JSONParser.parse(Array("[".utf8), source: "/run/b/config.json")
        }
        #expect(error?.path == "/run/b/config.json")
        #expect(error?.step == nil)
        #expect(error?.message == "line 1, column 2: unexpected end of input")
    }

    // MARK: JSONObject

    @Test func objectSubscriptSet() {
        var object = JSONObject([(key: "a", value: .number("1")), (key: "b", value: .null), (key: "a", value: .number("2"))])
        object["a"] = .string("x")
        #expect(object.entries.map(\.key) == ["a", "b"])
        #expect(object["a"] == .string("x"))
        object["c"] = .bool(true)
        #expect(object.entries.map(\.key) == ["a", "b", "c"])
        object["b"] = nil
        #expect(object.entries.map(\.key) == ["a", "c"])
        #expect(object["b"] == nil)
    }

    @Test func objectEqualityIsOrdered() {
        let ab = JSONObject([(key: "a", value: .null), (key: "b", value: .null)])
        let ba = JSONObject([(key: "b", value: .null), (key: "a", value: .null)])
        #expect(ab == ab)
        #expect(ab != ba)
        #expect(ab != JSONObject([(key: "a", value: .null)]))
    }
}
