import Rootless

/// Container ids are directory names under the state root, so they are checked before any
/// path is built from them: runc's character set, no `.`/`..`, at most 1024 bytes.
public enum ContainerID {
    public static let maxLength = 1024

    public static func validate(_ id: String) throws {
        if id.isEmpty { throw RuntimeError(path: "id", "must not be empty") }
        let bytes = Array(id.utf8)
        if bytes.count > maxLength {
            throw RuntimeError(path: "id", "is \(bytes.count) bytes long, at most \(maxLength) are allowed")
        }
        if id == "." || id == ".." { throw RuntimeError(path: "id", "\"\(id)\" is not a valid container id") }
        for b in bytes where !allowed(b) {
            throw RuntimeError(path: "id", "\"\(id)\" is not a valid container id: use only letters, digits and _ + - .")
        }
    }

    static func allowed(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}
