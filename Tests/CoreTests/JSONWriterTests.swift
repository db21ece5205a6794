import Core
import Testing

@Suite("JSON writer")
struct JSONWriterTests {
    private let sample = JSONValue.object(JSONObject([
        (key: "ociVersion", value: .string("1.2.0")),
        (key: "pid", value: .int(4242)),
        (key: "ok", value: .bool(true)),
        (key: "none", value: .null),
        (key: "list", value: .array([.number("1.5e3"), .string("a"), .array([]), .object(JSONObject())])),
        (key: "nested", value: .object(JSONObject([(key: "k", value: .number("-1"))]))),
    ]))

    @Test func compact() {
        #expect(sample.serialized() == #"{"ociVersion":"1.2.0","pid":4242,"ok":true,"none":null,"list":[1.5e3,"a",[],{}],"nested":{"k":-1}}"#)
    }

    @Test func pretty() {
        let expected = """
        {
          "ociVersion": "1.2.0",
          "pid": 4242,
          "ok": true,
          "none": null,
          "list": [
            1.5e3,
            "a",
            [],
            {}
          ],
          "nested": {
            "k": -1
          }
        }
        """
        #expect(sample.serialized(pretty: true) == expected)
    }

    @Test func scalarsAndEmptyContainers() {
        #expect(JSONValue.null.serialized(pretty: true) == "null")
        #expect(JSONValue.array([]).serialized(pretty: true) == "[]")
        #expect(JSONValue.object(JSONObject()).serialized() == "{}")
        #expect(JSONValue.int(UInt64.max).serialized() == "18446744073709551615")
    }

    @Test func escaping() {
        let text = "q\"b\\s/n\nr\rt\tb\u{8}f\u{C}c\u{1}\u{1F}d\u{7F}é😀"
        #expect(JSONValue.string(text).serialized() == #""q\"b\\s/n\nr\rt\tb\bf\fc\u0001\u001fd"# + "\u{7F}é😀\"")
        #expect(JSONValue.string("\u{0}").serialized() == #""\u0000""#)
    }

    @Test func keysAreEscapedToo() {
        let value = JSONValue.object(JSONObject([(key: "a\"b\n", value: .null)]))
        #expect(value.serialized() == #"{"a\"b\n":null}"#)
    }

    @Test func duplicateKeysAreWrittenAsStored() {
        let value = JSONValue.object(JSONObject([(key: "a", value: .int(1)), (key: "a", value: .int(2))]))
        #expect(value.serialized() == #"{"a":1,"a":2}"#)
    }

    @Test func roundTripValue() throws {
        let tricky = JSONValue.object(JSONObject([
            (key: "s", value: .string("\u{0}\u{1}\"\\/\n😀 中")),
            (key: "n", value: .array([.number("0"), .number("-0.5e-7"), .number("99999999999999999999999")])),
            (key: "deep", value: .array([.array([.array([.object(JSONObject([(key: "", value: .bool(false))]))])])])),
        ]))
        for pretty in [false, true] {
            let text = tricky.serialized(pretty: pretty)
            #expect(try JSONParser.parse(Array(text.utf8), source: "t") == tricky)
        }
    }

    @Test func roundTripText() throws {
        let text = #"{"b":[1,2,{"c":"d\u0001"}],"a":"\"x\"","e":[],"f":{},"g":null,"h":-0.0}"#
        #expect(try JSONParser.parse(Array(text.utf8), source: "t").serialized() == text)
    }

    @Test func roundTripSpecFixtures() throws {
        for fixture in [SpecFixtures.runcDefault, SpecFixtures.podmanStyle, SpecFixtures.everything] {
            let value = try JSONParser.parse(Array(fixture.utf8), source: "config.json")
            let again = try JSONParser.parse(Array(value.serialized(pretty: true).utf8), source: "config.json")
            #expect(again == value)
        }
    }
}
