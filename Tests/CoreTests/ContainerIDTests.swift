@testable import Core
import Rootless
import Testing

@Suite("Container ids")
struct ContainerIDTests {
    @Test("valid ids are accepted", arguments: [
        "c1", "a", "A-Z_a-z.0+9", "my.container", "...", ".hidden", "x..y", "-leading-dash",
        String(repeating: "a", count: ContainerID.maxLength),
    ])
    func valid(_ id: String) throws {
        try ContainerID.validate(id)
    }

    @Test("the empty id")
    func empty() {
        let error = #expect(throws: RuntimeError.self) { try ContainerID.validate("") }
        #expect(error?.description == "id: must not be empty")
    }

    @Test(". and .. name directories, not containers", arguments: [".", ".."])
    func dots(_ id: String) {
        let error = #expect(throws: RuntimeError.self) { try ContainerID.validate(id) }
        #expect(error?.description == "id: \"\(id)\" is not a valid container id")
    }

    @Test("characters outside runc's set", arguments: [
        "../x", "a/b", "/abs", "with space", " ", "tab\there", "new\nline", "caf\u{E9}", "\u{1F4E6}", "a:b", "a\\b", "a*",
    ])
    func badCharacters(_ id: String) {
        let error = #expect(throws: RuntimeError.self) { try ContainerID.validate(id) }
        #expect(error?.description == "id: \"\(id)\" is not a valid container id: use only letters, digits and _ + - .")
        #expect(error?.path == "id")
        #expect(error?.errno == nil)
    }

    @Test("1024 bytes is the limit; 1025 is one too many")
    func tooLong() throws {
        try ContainerID.validate(String(repeating: "x", count: 1024))
        let error = #expect(throws: RuntimeError.self) { try ContainerID.validate(String(repeating: "x", count: 1025)) }
        #expect(error?.description == "id: is 1025 bytes long, at most 1024 are allowed")
    }

    @Test("length is counted in UTF-8 bytes and checked before the character set")
    func lengthInBytes() {
        // 513 two-byte characters: 513 Character values, 1026 bytes.
        let id = String(repeating: "\u{E9}", count: 513)
        let error = #expect(throws: RuntimeError.self) { try ContainerID.validate(id) }
        #expect(error?.description == "id: is 1026 bytes long, at most 1024 are allowed")
    }
}
