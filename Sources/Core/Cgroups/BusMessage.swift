import Glibc
import Rootless

/// An sd-bus message, built and read one basic value or container at a time (sd-bus's
/// convenient sd_bus_message_append/read are variadic, out of Swift's reach).
final class BusMessage {
    let sd: SDBus
    let pointer: OpaquePointer
    /// False for a message sd-bus lends to a callback: it stays sd-bus's to free.
    let owned: Bool

    init(sd: SDBus, pointer: OpaquePointer, owned: Bool = true) {
        self.sd = sd
        self.pointer = pointer
        self.owned = owned
    }

    deinit {
        if owned { _ = sd.messageUnref(pointer) }
    }

    private func check(_ rc: Int32, _ what: String) throws {
        if rc < 0 { throw RuntimeError(step: "systemd cgroup driver", "D-Bus message: \(what)", errno: -rc) }
    }

    // MARK: building

    func append(_ text: String) throws {
        try check(sd.appendBasic(pointer, SDBus.type("s"), text), "append string")
    }

    func append(_ flag: Bool) throws {
        // D-Bus booleans travel as 32-bit ints; sd-bus reads an `int` here.
        var value: Int32 = flag ? 1 : 0
        try check(sd.appendBasic(pointer, SDBus.type("b"), &value), "append boolean")
    }

    func open(_ type: Unicode.Scalar, _ contents: String) throws {
        try check(sd.openContainer(pointer, SDBus.type(type), contents), "open \(type)\(contents)")
    }

    func close() throws {
        try check(sd.closeContainer(pointer), "close container")
    }

    /// `a(sv)`: what StartTransientUnit and SetUnitProperties take.
    func append(properties: [SystemdProperty]) throws {
        try open("a", "(sv)")
        for property in properties {
            try open("r", "sv")
            try append(property.name)
            try open("v", property.value.signature)
            try append(property.value)
            try close()
            try close()
        }
        try close()
    }

    func append(_ value: SystemdProperty.Value) throws {
        switch value {
        case .string(let text):
            try append(text)
        case .bool(let flag):
            try append(flag)
        case .uint64(var n):
            try check(sd.appendBasic(pointer, SDBus.type("t"), &n), "append uint64")
        case .int64(var n):
            try check(sd.appendBasic(pointer, SDBus.type("x"), &n), "append int64")
        case .uint32(var n):
            try check(sd.appendBasic(pointer, SDBus.type("u"), &n), "append uint32")
        case .bytes(let bytes):
            let rc = bytes.withUnsafeBytes { sd.appendArray(pointer, SDBus.type("y"), $0.baseAddress, $0.count) }
            try check(rc, "append byte array")
        case .uint32s(let list):
            try open("a", "u")
            for var n in list { try check(sd.appendBasic(pointer, SDBus.type("u"), &n), "append uint32") }
            try close()
        }
    }

    // MARK: reading

    /// A string, object path ("o") or signature ("g"); sd-bus hands out a pointer into the message.
    func readString(_ type: Unicode.Scalar = "s") throws -> String {
        var text: UnsafePointer<CChar>?
        try check(sd.readBasic(pointer, SDBus.type(type), &text), "read \(type)")
        guard let text else { throw RuntimeError(step: "systemd cgroup driver", "D-Bus message: no \(type) to read") }
        return String(cString: text)
    }

    func readUInt32() throws -> UInt32 {
        var n: UInt32 = 0
        try check(sd.readBasic(pointer, SDBus.type("u"), &n), "read u")
        return n
    }

    func enter(_ type: Unicode.Scalar, _ contents: String) throws {
        try check(sd.enterContainer(pointer, SDBus.type(type), contents), "enter \(type)\(contents)")
    }

    func exit() throws {
        try check(sd.exitContainer(pointer), "exit container")
    }
}

/// A method call that failed: the D-Bus error's name (`org.freedesktop.systemd1.NoSuchUnit`)
/// and message, kept apart so callers can accept the names they expect.
struct BusCallError: Error {
    var name: String
    var message: String
    var errno: Int32

    /// One line for the CLI: systemd's messages are sentences of their own.
    func runtimeError(_ what: String) -> RuntimeError {
        let text = message.isEmpty ? name : message
        let line = String(text.map { $0 == "\n" ? " " : $0 })
        return RuntimeError(step: "systemd cgroup driver", "\(what): \(line)" + (name.isEmpty ? "" : " (\(name))"))
    }
}
