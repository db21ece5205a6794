@testable import Core
import Rootless
import Testing

@Suite("Container record")
struct ContainerRecordTests {
    static func record(annotations: [(key: String, value: String)] = [("org.example/key", "v1"), ("a", "b \"quoted\"")]) -> ContainerRecord {
        ContainerRecord(id: "c1", pid: 4242, startTime: 123_456_789_012, bundle: "/srv/bundle", rootfs: "/srv/bundle/rootfs",
                        created: "2024-01-02T03:04:05.000000006Z", ociVersion: "1.2.0", annotations: annotations,
                        ownerUID: 4_000_000_000, rootless: true)
    }

    @Test("json -> init(json:) gives back the same record")
    func directRoundTrip() throws {
        for record in [Self.record(), Self.record(annotations: [])] {
            #expect(try ContainerRecord(json: record.json, path: "state.json") == record)
        }
    }

    @Test("round trip through serialized text, compact and pretty", arguments: [false, true])
    func textRoundTrip(_ pretty: Bool) throws {
        let record = Self.record()
        let text = JSONWriter.serialize(record.json, pretty: pretty)
        let parsed = try JSONParser.parse(Array(text.utf8), source: "state.json")
        let back = try ContainerRecord(json: parsed, path: "state.json")
        #expect(back == record)
        #expect(back.annotations.map(\.key) == ["org.example/key", "a"])
    }

    @Test("the stored document's keys")
    func storedKeys() {
        let keys = Self.record().json.objectValue?.entries.map(\.key)
        #expect(keys == ["ociVersion", "id", "pid", "startTime", "bundle", "rootfs", "created", "ownerUID", "rootless", "annotations"])
        #expect(Self.record().json["ownerUID"] == .number("4000000000"))
    }

    @Test("OCI state: pid while alive, 0 once stopped", arguments: [
        (ContainerStatus.creating, "4242"), (.created, "4242"), (.running, "4242"), (.stopped, "0"),
    ])
    func ociStatePid(_ status: ContainerStatus, _ pid: String) {
        let state = Self.record().ociState(status: status)
        #expect(state["pid"] == .number(pid))
        #expect(state["status"] == .string(status.rawValue))
    }

    @Test("OCI state document: fields in runc's order, annotations only when there are some")
    func ociStateShape() {
        let bare = Self.record(annotations: []).ociState(status: .running)
        #expect(bare.objectValue?.entries.map(\.key) == ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"])
        #expect(bare["annotations"] == nil)
        #expect(bare["owner"] == .string(""))
        #expect(bare["id"] == .string("c1"))
        #expect(bare["bundle"] == .string("/srv/bundle"))
        #expect(bare["ociVersion"] == .string("1.2.0"))

        let annotated = Self.record().ociState(status: .created)
        #expect(annotated.objectValue?.entries.last?.key == "annotations")
        #expect(annotated["annotations"] == .object(JSONObject([
            (key: "org.example/key", value: .string("v1")), (key: "a", value: .string("b \"quoted\"")),
        ])))
        // Rootless details stay private to state.json.
        #expect(annotated["ownerUID"] == nil)
        #expect(annotated["startTime"] == nil)
    }

    @Test("a missing or mistyped field is a corrupt state naming the field", arguments: [
        ("id", nil), ("id", JSONValue.number("1")),
        ("pid", nil), ("pid", .string("4242")), ("pid", .number("4294967296")), ("pid", .number("1.5")),
        ("startTime", .number("-1")), ("bundle", .null), ("rootfs", .bool(true)), ("created", nil),
        ("ociVersion", .array([])), ("ownerUID", .number("-1")), ("ownerUID", .number("4294967296")),
        ("rootless", .string("true")), ("annotations", .array([])), ("annotations", nil),
    ] as [(String, JSONValue?)])
    func corrupt(_ key: String, _ replacement: JSONValue?) throws {
        var object = try #require(Self.record().json.objectValue)
        object[key] = replacement
        let error = #expect(throws: RuntimeError.self) {
            try ContainerRecord(json: .object(object), path: "/run/rsrun/c1/state.json")
        }
        #expect(error?.description == "/run/rsrun/c1/state.json: corrupt state: field \"\(key)\" missing or of the wrong type")
    }

    @Test("a document that is not an object fails on the first field", arguments: [
        JSONValue.null, .array([]), .string("{}"), .object(JSONObject()),
    ])
    func notAnObject(_ value: JSONValue) {
        let error = #expect(throws: RuntimeError.self) { try ContainerRecord(json: value, path: "s.json") }
        #expect(error?.description == "s.json: corrupt state: field \"id\" missing or of the wrong type")
    }

    @Test("non-string annotation values are skipped")
    func annotationValues() throws {
        var object = try #require(Self.record().json.objectValue)
        object["annotations"] = .object(JSONObject([(key: "keep", value: .string("yes")), (key: "drop", value: .number("1"))]))
        let record = try ContainerRecord(json: .object(object), path: "s.json")
        #expect(record.annotations.map(\.key) == ["keep"])
        #expect(record.annotations.map(\.value) == ["yes"])
    }

    @Test("records with different annotations are not equal")
    func equality() {
        #expect(Self.record() != Self.record(annotations: []))
        #expect(Self.record(annotations: [("a", "1")]) != Self.record(annotations: [("a", "2")]))
        #expect(Self.record(annotations: [("a", "1"), ("b", "2")]) != Self.record(annotations: [("b", "2"), ("a", "1")]))
    }
}
