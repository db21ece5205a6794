/// `linux.resources`: cgroup limits. Integer widths follow the spec's Go types, so a value
/// the spec cannot carry is rejected here instead of being truncated when written to cgroupfs.
extension Spec {
    public struct Resources: Sendable, Equatable {
        /// Device cgroup allow/deny list, applied in order.
        public var devices: [DeviceRule] = []
        public var memory: Memory?
        public var cpu: CPU?
        public var blockIO: BlockIO?
        public var hugepageLimits: [HugepageLimit] = []
        public var network: Network?
        public var pids: Pids?
        /// Keyed by RDMA device name.
        public var rdma: [String: RDMA] = [:]
        /// Raw cgroup v2 files: file name -> content.
        public var unified: [String: String] = [:]

        public init() {}

        public struct DeviceRule: Sendable, Equatable {
            public enum Kind: String, Sendable, CaseIterable {
                case all = "a"
                case char = "c"
                case block = "b"
            }

            public var allow: Bool
            /// nil means all kinds.
            public var type: Kind?
            /// nil means any number (`*`).
            public var major: Int64?
            public var minor: Int64?
            /// Some of "rwm"; nil means all three.
            public var access: String?

            public init(allow: Bool, type: Kind? = nil, major: Int64? = nil, minor: Int64? = nil, access: String? = nil) {
                self.allow = allow
                self.type = type
                self.major = major
                self.minor = minor
                self.access = access
            }
        }

        /// Bytes; -1 means unlimited for limit, reservation and swap.
        public struct Memory: Sendable, Equatable {
            public var limit: Int64?
            public var reservation: Int64?
            /// Memory plus swap, as in cgroup v1 memsw.
            public var swap: Int64?
            /// Deprecated by the spec; kernel memory accounting is gone from recent kernels.
            public var kernel: Int64?
            public var kernelTCP: Int64?
            public var swappiness: UInt64?
            public var disableOOMKiller: Bool?
            public var useHierarchy: Bool?
            public var checkBeforeUpdate: Bool?

            public init() {}
        }

        public struct CPU: Sendable, Equatable {
            public var shares: UInt64?
            /// Microseconds per period; -1 means no limit.
            public var quota: Int64?
            public var burst: UInt64?
            public var period: UInt64?
            public var realtimeRuntime: Int64?
            public var realtimePeriod: UInt64?
            /// cpuset syntax ("0-3,7").
            public var cpus: String?
            public var mems: String?
            /// cgroup v2 cpu.idle: 0 or 1.
            public var idle: Int64?

            public init() {}
        }

        public struct BlockIO: Sendable, Equatable {
            public var weight: UInt16?
            public var leafWeight: UInt16?
            public var weightDevice: [WeightDevice] = []
            public var throttleReadBpsDevice: [ThrottleDevice] = []
            public var throttleWriteBpsDevice: [ThrottleDevice] = []
            public var throttleReadIOPSDevice: [ThrottleDevice] = []
            public var throttleWriteIOPSDevice: [ThrottleDevice] = []

            public init() {}
        }

        public struct WeightDevice: Sendable, Equatable {
            public var major: Int64
            public var minor: Int64
            public var weight: UInt16?
            public var leafWeight: UInt16?

            public init(major: Int64, minor: Int64, weight: UInt16? = nil, leafWeight: UInt16? = nil) {
                self.major = major
                self.minor = minor
                self.weight = weight
                self.leafWeight = leafWeight
            }
        }

        public struct ThrottleDevice: Sendable, Equatable {
            public var major: Int64
            public var minor: Int64
            /// Bytes or operations per second.
            public var rate: UInt64

            public init(major: Int64, minor: Int64, rate: UInt64) {
                self.major = major
                self.minor = minor
                self.rate = rate
            }
        }

        public struct HugepageLimit: Sendable, Equatable {
            /// "2MB", "1GB", ...
            public var pageSize: String
            public var limit: UInt64

            public init(pageSize: String, limit: UInt64) {
                self.pageSize = pageSize
                self.limit = limit
            }
        }

        public struct Network: Sendable, Equatable {
            public var classID: UInt32?
            public var priorities: [InterfacePriority] = []

            public init() {}
        }

        public struct InterfacePriority: Sendable, Equatable {
            public var name: String
            public var priority: UInt32

            public init(name: String, priority: UInt32) {
                self.name = name
                self.priority = priority
            }
        }

        public struct Pids: Sendable, Equatable {
            /// Maximum number of tasks; 0 or -1 means no limit.
            public var limit: Int64

            public init(limit: Int64) {
                self.limit = limit
            }
        }

        public struct RDMA: Sendable, Equatable {
            public var hcaHandles: UInt32?
            public var hcaObjects: UInt32?

            public init(hcaHandles: UInt32? = nil, hcaObjects: UInt32? = nil) {
                self.hcaHandles = hcaHandles
                self.hcaObjects = hcaObjects
            }
        }
    }
}

// MARK: decoding

extension Spec.Resources: SpecDecodable {
    init(_ o: SpecObject) throws {
        devices = try o["devices"]?.list() ?? []
        memory = try o["memory"]?.decode()
        cpu = try o["cpu"]?.decode()
        blockIO = try o["blockIO"]?.decode()
        hugepageLimits = try o["hugepageLimits"]?.list() ?? []
        network = try o["network"]?.decode()
        pids = try o["pids"]?.decode()
        rdma = try o["rdma"]?.map() ?? [:]
        unified = try o["unified"]?.stringMap() ?? [:]
    }
}

extension Spec.Resources.DeviceRule: SpecDecodable {
    init(_ o: SpecObject) throws {
        allow = try o.require("allow").bool()
        type = try o["type"]?.choice("device rule type")
        major = try o["major"]?.integer()
        minor = try o["minor"]?.integer()
        access = try o["access"]?.string()
    }
}

extension Spec.Resources.Memory: SpecDecodable {
    init(_ o: SpecObject) throws {
        limit = try o["limit"]?.integer()
        reservation = try o["reservation"]?.integer()
        swap = try o["swap"]?.integer()
        kernel = try o["kernel"]?.integer()
        kernelTCP = try o["kernelTCP"]?.integer()
        swappiness = try o["swappiness"]?.integer()
        disableOOMKiller = try o["disableOOMKiller"]?.bool()
        useHierarchy = try o["useHierarchy"]?.bool()
        checkBeforeUpdate = try o["checkBeforeUpdate"]?.bool()
    }
}

extension Spec.Resources.CPU: SpecDecodable {
    init(_ o: SpecObject) throws {
        shares = try o["shares"]?.integer()
        quota = try o["quota"]?.integer()
        burst = try o["burst"]?.integer()
        period = try o["period"]?.integer()
        realtimeRuntime = try o["realtimeRuntime"]?.integer()
        realtimePeriod = try o["realtimePeriod"]?.integer()
        cpus = try o["cpus"]?.string()
        mems = try o["mems"]?.string()
        idle = try o["idle"]?.integer()
    }
}

extension Spec.Resources.BlockIO: SpecDecodable {
    init(_ o: SpecObject) throws {
        weight = try o["weight"]?.integer()
        leafWeight = try o["leafWeight"]?.integer()
        weightDevice = try o["weightDevice"]?.list() ?? []
        throttleReadBpsDevice = try o["throttleReadBpsDevice"]?.list() ?? []
        throttleWriteBpsDevice = try o["throttleWriteBpsDevice"]?.list() ?? []
        throttleReadIOPSDevice = try o["throttleReadIOPSDevice"]?.list() ?? []
        throttleWriteIOPSDevice = try o["throttleWriteIOPSDevice"]?.list() ?? []
    }
}

extension Spec.Resources.WeightDevice: SpecDecodable {
    init(_ o: SpecObject) throws {
        major = try o.require("major").integer()
        minor = try o.require("minor").integer()
        weight = try o["weight"]?.integer()
        leafWeight = try o["leafWeight"]?.integer()
    }
}

extension Spec.Resources.ThrottleDevice: SpecDecodable {
    init(_ o: SpecObject) throws {
        major = try o.require("major").integer()
        minor = try o.require("minor").integer()
        rate = try o.require("rate").integer()
    }
}

extension Spec.Resources.HugepageLimit: SpecDecodable {
    init(_ o: SpecObject) throws {
        pageSize = try o.require("pageSize").string()
        limit = try o.require("limit").integer()
    }
}

extension Spec.Resources.Network: SpecDecodable {
    init(_ o: SpecObject) throws {
        classID = try o["classID"]?.integer()
        priorities = try o["priorities"]?.list() ?? []
    }
}

extension Spec.Resources.InterfacePriority: SpecDecodable {
    init(_ o: SpecObject) throws {
        name = try o.require("name").string()
        priority = try o.require("priority").integer()
    }
}

extension Spec.Resources.Pids: SpecDecodable {
    init(_ o: SpecObject) throws {
        limit = try o.require("limit").integer()
    }
}

extension Spec.Resources.RDMA: SpecDecodable {
    init(_ o: SpecObject) throws {
        hcaHandles = try o["hcaHandles"]?.integer()
        hcaObjects = try o["hcaObjects"]?.integer()
    }
}
