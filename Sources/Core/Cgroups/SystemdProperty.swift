/// One systemd unit property as it travels in StartTransientUnit's and SetUnitProperties'
/// `a(sv)` argument: a name and a variant. Plain values, so everything that decides which
/// properties a container gets is testable without a bus.
public struct SystemdProperty: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }

    /// The D-Bus types systemd's unit properties use (only those rsrun sends).
    public enum Value: Sendable, Equatable {
        case string(String)
        case bool(Bool)
        case uint64(UInt64)
        case int64(Int64)
        case uint32(UInt32)
        /// Bitmasks: AllowedCPUs, AllowedMemoryNodes.
        case bytes([UInt8])
        /// PIDs.
        case uint32s([UInt32])

        /// The variant's signature.
        public var signature: String {
            switch self {
            case .string: "s"
            case .bool: "b"
            case .uint64: "t"
            case .int64: "x"
            case .uint32: "u"
            case .bytes: "ay"
            case .uint32s: "au"
            }
        }
    }

    /// systemd's "infinity" for limits (USEC_INFINITY, CGROUP_LIMIT_MAX): all ones.
    public static let infinity = UInt64.max

    public var description: String {
        switch value {
        case .string(let s): "\(name)=\(s)"
        case .bool(let b): "\(name)=\(b)"
        case .uint64(let n): "\(name)=\(n == Self.infinity ? "infinity" : "\(n)")"
        case .int64(let n): "\(name)=\(n)"
        case .uint32(let n): "\(name)=\(n)"
        case .bytes(let bytes): "\(name)=[\(bytes.map { String($0) }.joined(separator: ","))]"
        case .uint32s(let list): "\(name)=[\(list.map { String($0) }.joined(separator: ","))]"
        }
    }
}
