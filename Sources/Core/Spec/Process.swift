/// `process`: what runs in the container and with which identity and limits.
extension Spec {
    public struct Process: Sendable, Equatable {
        public var terminal: Bool = false
        public var consoleSize: ConsoleSize?
        public var user: User
        public var args: [String]
        /// Windows only; parsed so that it is not silently lost, never used on Linux.
        public var commandLine: String?
        public var env: [String] = []
        public var cwd: String
        public var capabilities: Capabilities?
        public var rlimits: [Rlimit] = []
        public var noNewPrivileges: Bool = false
        public var apparmorProfile: String?
        public var oomScoreAdj: Int?
        public var selinuxLabel: String?
        public var ioPriority: IOPriority?
        public var scheduler: Scheduler?
        public var execCPUAffinity: ExecCPUAffinity?

        public init(user: User, args: [String], cwd: String) {
            self.user = user
            self.args = args
            self.cwd = cwd
        }
    }

    public struct ConsoleSize: Sendable, Equatable {
        public var height: UInt
        public var width: UInt

        public init(height: UInt, width: UInt) {
            self.height = height
            self.width = width
        }
    }

    public struct User: Sendable, Equatable {
        public var uid: UInt32
        public var gid: UInt32
        public var umask: UInt32?
        public var additionalGids: [UInt32] = []
        /// Windows only.
        public var username: String?

        public init(uid: UInt32, gid: UInt32, umask: UInt32? = nil, additionalGids: [UInt32] = []) {
            self.uid = uid
            self.gid = gid
            self.umask = umask
            self.additionalGids = additionalGids
        }
    }

    /// Capability names stay strings ("CAP_SYS_ADMIN"): the kernel adds capabilities over
    /// time and runc only warns about names it does not know, so a closed enum would reject
    /// configs that work elsewhere. `nil` means the set is absent, not empty.
    public struct Capabilities: Sendable, Equatable {
        public var bounding: [String]?
        public var effective: [String]?
        public var inheritable: [String]?
        public var permitted: [String]?
        public var ambient: [String]?

        public init() {}
    }

    public struct Rlimit: Sendable, Equatable {
        /// "RLIMIT_NOFILE" etc.; checked against `Spec.Rlimit.resources` by validation.
        public var type: String
        public var hard: UInt64
        public var soft: UInt64

        public init(type: String, hard: UInt64, soft: UInt64) {
            self.type = type
            self.hard = hard
            self.soft = soft
        }

        /// The resources of getrlimit(2) and their numbers (<sys/resource.h>): validation
        /// checks names against it, the plan takes the numbers from it.
        public static let resources: [String: Int32] = [
            "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4,
            "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9,
            "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13,
            "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
        ]
    }

    public struct IOPriority: Sendable, Equatable {
        public enum Class: String, Sendable, CaseIterable {
            case realtime = "IOPRIO_CLASS_RT"
            case bestEffort = "IOPRIO_CLASS_BE"
            case idle = "IOPRIO_CLASS_IDLE"
        }

        /// JSON "class" (a Swift keyword).
        public var ioClass: Class
        /// 0 (highest) to 7; checked by validation.
        public var priority: Int32

        public init(ioClass: Class, priority: Int32) {
            self.ioClass = ioClass
            self.priority = priority
        }
    }

    /// sched_setattr(2) parameters.
    public struct Scheduler: Sendable, Equatable {
        public enum Policy: String, Sendable, CaseIterable {
            case other = "SCHED_OTHER"
            case fifo = "SCHED_FIFO"
            case roundRobin = "SCHED_RR"
            case batch = "SCHED_BATCH"
            case iso = "SCHED_ISO"
            case idle = "SCHED_IDLE"
            case deadline = "SCHED_DEADLINE"
        }

        public enum Flag: String, Sendable, CaseIterable {
            case resetOnFork = "SCHED_FLAG_RESET_ON_FORK"
            case reclaim = "SCHED_FLAG_RECLAIM"
            case deadlineOverrun = "SCHED_FLAG_DL_OVERRUN"
            case keepPolicy = "SCHED_FLAG_KEEP_POLICY"
            case keepParams = "SCHED_FLAG_KEEP_PARAMS"
            case utilClampMin = "SCHED_FLAG_UTIL_CLAMP_MIN"
            case utilClampMax = "SCHED_FLAG_UTIL_CLAMP_MAX"
        }

        public var policy: Policy
        public var nice: Int32?
        public var priority: Int32?
        public var flags: [Flag] = []
        /// Nanoseconds, SCHED_DEADLINE only.
        public var runtime: UInt64?
        public var deadline: UInt64?
        public var period: UInt64?

        public init(policy: Policy) {
            self.policy = policy
        }
    }

    /// CPU lists in cpuset syntax ("0-3,7") for the process before and after it execs.
    public struct ExecCPUAffinity: Sendable, Equatable {
        public var initial: String?
        public var `final`: String?

        public init(initial: String? = nil, final: String? = nil) {
            self.initial = initial
            self.final = final
        }
    }
}

// MARK: decoding

extension Spec.Process: SpecDecodable {
    init(_ o: SpecObject) throws {
        terminal = try o["terminal"]?.bool() ?? false
        consoleSize = try o["consoleSize"]?.decode()
        user = try o.require("user").decode()
        args = try o.require("args").strings()
        commandLine = try o["commandLine"]?.string()
        env = try o["env"]?.strings() ?? []
        cwd = try o.require("cwd").string()
        capabilities = try o["capabilities"]?.decode()
        rlimits = try o["rlimits"]?.list() ?? []
        noNewPrivileges = try o["noNewPrivileges"]?.bool() ?? false
        apparmorProfile = try o["apparmorProfile"]?.string()
        oomScoreAdj = try o["oomScoreAdj"]?.integer()
        selinuxLabel = try o["selinuxLabel"]?.string()
        ioPriority = try o["ioPriority"]?.decode()
        scheduler = try o["scheduler"]?.decode()
        execCPUAffinity = try o["execCPUAffinity"]?.decode()
    }
}

extension Spec.ConsoleSize: SpecDecodable {
    init(_ o: SpecObject) throws {
        height = try o.require("height").integer()
        width = try o.require("width").integer()
    }
}

extension Spec.User: SpecDecodable {
    init(_ o: SpecObject) throws {
        uid = try o.require("uid").integer()
        gid = try o.require("gid").integer()
        umask = try o["umask"]?.integer()
        additionalGids = try o["additionalGids"]?.integers() ?? []
        username = try o["username"]?.string()
    }
}

extension Spec.Capabilities: SpecDecodable {
    init(_ o: SpecObject) throws {
        bounding = try o["bounding"]?.strings()
        effective = try o["effective"]?.strings()
        inheritable = try o["inheritable"]?.strings()
        permitted = try o["permitted"]?.strings()
        ambient = try o["ambient"]?.strings()
    }
}

extension Spec.Rlimit: SpecDecodable {
    init(_ o: SpecObject) throws {
        type = try o.require("type").string()
        hard = try o.require("hard").integer()
        soft = try o.require("soft").integer()
    }
}

extension Spec.IOPriority: SpecDecodable {
    init(_ o: SpecObject) throws {
        ioClass = try o.require("class").choice("I/O priority class")
        priority = try o.require("priority").integer()
    }
}

extension Spec.Scheduler: SpecDecodable {
    init(_ o: SpecObject) throws {
        policy = try o.require("policy").choice("scheduler policy")
        nice = try o["nice"]?.integer()
        priority = try o["priority"]?.integer()
        flags = try o["flags"]?.choices("scheduler flag") ?? []
        runtime = try o["runtime"]?.integer()
        deadline = try o["deadline"]?.integer()
        period = try o["period"]?.integer()
    }
}

extension Spec.ExecCPUAffinity: SpecDecodable {
    init(_ o: SpecObject) throws {
        initial = try o["initial"]?.string()
        self.final = try o["final"]?.string()
    }
}
