/// `linux.seccomp`: the syscall filter.
///
/// Actions and comparison operators are closed sets (a filter that misreads one is a
/// security hole). Architectures and filter flags stay strings: new ones appear with new
/// kernels and libseccomp versions, and whether one is usable is only known when the filter
/// is built.
extension Spec {
    public struct Seccomp: Sendable, Equatable {
        public enum Action: String, Sendable, CaseIterable {
            case kill = "SCMP_ACT_KILL"
            case killProcess = "SCMP_ACT_KILL_PROCESS"
            case killThread = "SCMP_ACT_KILL_THREAD"
            case trap = "SCMP_ACT_TRAP"
            case errno = "SCMP_ACT_ERRNO"
            case trace = "SCMP_ACT_TRACE"
            case allow = "SCMP_ACT_ALLOW"
            case log = "SCMP_ACT_LOG"
            case notify = "SCMP_ACT_NOTIFY"
        }

        public enum Operator: String, Sendable, CaseIterable {
            case notEqual = "SCMP_CMP_NE"
            case lessThan = "SCMP_CMP_LT"
            case lessOrEqual = "SCMP_CMP_LE"
            case equal = "SCMP_CMP_EQ"
            case greaterOrEqual = "SCMP_CMP_GE"
            case greaterThan = "SCMP_CMP_GT"
            case maskedEqual = "SCMP_CMP_MASKED_EQ"
        }

        public var defaultAction: Action
        /// Errno for SCMP_ACT_ERRNO/SCMP_ACT_TRACE as the default action; EPERM when nil.
        public var defaultErrnoRet: UInt32?
        /// "SCMP_ARCH_X86_64", ...
        public var architectures: [String] = []
        /// "SECCOMP_FILTER_FLAG_LOG", ...
        public var flags: [String] = []
        /// Unix socket that receives the notify fd (SCMP_ACT_NOTIFY).
        public var listenerPath: String?
        public var listenerMetadata: String?
        public var syscalls: [Syscall] = []

        public init(defaultAction: Action) {
            self.defaultAction = defaultAction
        }

        public struct Syscall: Sendable, Equatable {
            public var names: [String]
            public var action: Action
            public var errnoRet: UInt32?
            /// All must match (logical and).
            public var args: [Arg] = []

            public init(names: [String], action: Action, errnoRet: UInt32? = nil, args: [Arg] = []) {
                self.names = names
                self.action = action
                self.errnoRet = errnoRet
                self.args = args
            }
        }

        public struct Arg: Sendable, Equatable {
            /// Argument position, 0 to 5; checked by validation.
            public var index: UInt32
            public var value: UInt64
            /// The mask for SCMP_CMP_MASKED_EQ.
            public var valueTwo: UInt64?
            public var op: Operator

            public init(index: UInt32, value: UInt64, valueTwo: UInt64? = nil, op: Operator) {
                self.index = index
                self.value = value
                self.valueTwo = valueTwo
                self.op = op
            }
        }
    }
}

// MARK: decoding

extension Spec.Seccomp: SpecDecodable {
    init(_ o: SpecObject) throws {
        defaultAction = try o.require("defaultAction").choice("seccomp action")
        defaultErrnoRet = try o["defaultErrnoRet"]?.integer()
        architectures = try o["architectures"]?.strings() ?? []
        flags = try o["flags"]?.strings() ?? []
        listenerPath = try o["listenerPath"]?.string()
        listenerMetadata = try o["listenerMetadata"]?.string()
        syscalls = try o["syscalls"]?.list() ?? []
    }
}

extension Spec.Seccomp.Syscall: SpecDecodable {
    init(_ o: SpecObject) throws {
        names = try o.require("names").strings()
        action = try o.require("action").choice("seccomp action")
        errnoRet = try o["errnoRet"]?.integer()
        args = try o["args"]?.list() ?? []
    }
}

extension Spec.Seccomp.Arg: SpecDecodable {
    init(_ o: SpecObject) throws {
        index = try o.require("index").integer()
        value = try o.require("value").integer()
        valueTwo = try o["valueTwo"]?.integer()
        op = try o.require("op").choice("seccomp operator")
    }
}
