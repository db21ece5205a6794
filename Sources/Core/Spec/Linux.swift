import Rootless

/// The namespaces a container can ask for. A closed set: an unknown type is an error, since
/// silently skipping one would run the container less isolated than configured.
public enum NamespaceKind: String, Sendable, CaseIterable {
    case pid, network, mount, ipc, uts, user, cgroup, time
}

/// `linux`: everything Linux-specific.
extension Spec {
    public struct Linux: Sendable, Equatable {
        public var namespaces: [Namespace] = []
        public var uidMappings: [IDMapping] = []
        public var gidMappings: [IDMapping] = []
        public var timeOffsets: TimeOffsets?
        public var devices: [Device] = []
        /// Host interface name -> settings for moving it into the container (spec 1.2).
        public var netDevices: [String: NetDevice] = [:]
        public var cgroupsPath: String?
        public var resources: Resources?
        public var rootfsPropagation: RootfsPropagation?
        public var seccomp: Seccomp?
        public var sysctl: [String: String] = [:]
        public var maskedPaths: [String] = []
        public var readonlyPaths: [String] = []
        public var mountLabel: String?
        public var intelRdt: IntelRdt?
        public var personality: Personality?
        public var memoryPolicy: MemoryPolicy?

        public init() {}

        public func namespace(_ kind: NamespaceKind) -> Namespace? {
            namespaces.first { $0.type == kind }
        }
    }

    public struct Namespace: Sendable, Equatable {
        public var type: NamespaceKind
        /// Join this existing namespace instead of creating one.
        public var path: String?

        public init(type: NamespaceKind, path: String? = nil) {
            self.type = type
            self.path = path
        }
    }

    /// Offsets for a new time namespace (/proc/self/timens_offsets).
    public struct TimeOffsets: Sendable, Equatable {
        public var monotonic: TimeOffset?
        public var boottime: TimeOffset?

        public init(monotonic: TimeOffset? = nil, boottime: TimeOffset? = nil) {
            self.monotonic = monotonic
            self.boottime = boottime
        }
    }

    public struct TimeOffset: Sendable, Equatable {
        public var secs: Int64 = 0
        /// Below one second; checked by validation.
        public var nanosecs: UInt32 = 0

        public init(secs: Int64 = 0, nanosecs: UInt32 = 0) {
            self.secs = secs
            self.nanosecs = nanosecs
        }
    }

    /// A device node to create in the container's /dev.
    public struct Device: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable {
            case char = "c"
            /// Unbuffered character device; made like "c".
            case unbuffered = "u"
            case block = "b"
            case fifo = "p"
        }

        public var type: Kind
        public var path: String
        /// Required for every kind but fifo; checked by validation.
        public var major: Int64?
        public var minor: Int64?
        public var fileMode: UInt32?
        public var uid: UInt32?
        public var gid: UInt32?

        public init(type: Kind, path: String, major: Int64? = nil, minor: Int64? = nil) {
            self.type = type
            self.path = path
            self.major = major
            self.minor = minor
        }
    }

    public struct NetDevice: Sendable, Equatable {
        /// Name inside the container; nil keeps the host name.
        public var name: String?

        public init(name: String? = nil) {
            self.name = name
        }
    }

    /// Propagation of the container's root mount. The spec names the four plain values; the
    /// recursive spellings are accepted too because runc does and configs use them.
    public enum RootfsPropagation: String, Sendable, CaseIterable {
        case shared, slave, `private`, unbindable
        case rshared, rslave, rprivate, runbindable
    }

    public struct IntelRdt: Sendable, Equatable {
        public var closID: String?
        public var l3CacheSchema: String?
        public var memBwSchema: String?
        public var enableCMT: Bool?
        public var enableMBM: Bool?

        public init() {}
    }

    /// personality(2) execution domain.
    public struct Personality: Sendable, Equatable {
        public enum Domain: String, Sendable, CaseIterable {
            case linux = "LINUX"
            case linux32 = "LINUX32"
        }

        public var domain: Domain
        /// The spec defines no flags yet; kept as text so a future one is not rejected here.
        public var flags: [String] = []

        public init(domain: Domain, flags: [String] = []) {
            self.domain = domain
            self.flags = flags
        }
    }

    /// set_mempolicy(2) for the container process.
    public struct MemoryPolicy: Sendable, Equatable {
        public enum Mode: String, Sendable, CaseIterable {
            case `default` = "MPOL_DEFAULT"
            case bind = "MPOL_BIND"
            case interleave = "MPOL_INTERLEAVE"
            case weightedInterleave = "MPOL_WEIGHTED_INTERLEAVE"
            case preferred = "MPOL_PREFERRED"
            case preferredMany = "MPOL_PREFERRED_MANY"
            case local = "MPOL_LOCAL"
        }

        public enum Flag: String, Sendable, CaseIterable {
            case numaBalancing = "MPOL_F_NUMA_BALANCING"
            case relativeNodes = "MPOL_F_RELATIVE_NODES"
            case staticNodes = "MPOL_F_STATIC_NODES"
        }

        public var mode: Mode
        /// NUMA node list in cpuset syntax ("0-3").
        public var nodes: String?
        public var flags: [Flag] = []

        public init(mode: Mode, nodes: String? = nil, flags: [Flag] = []) {
            self.mode = mode
            self.nodes = nodes
            self.flags = flags
        }
    }
}

// MARK: decoding

extension Spec.Linux: SpecDecodable {
    init(_ o: SpecObject) throws {
        namespaces = try o["namespaces"]?.list() ?? []
        uidMappings = try o["uidMappings"]?.idMappings() ?? []
        gidMappings = try o["gidMappings"]?.idMappings() ?? []
        timeOffsets = try o["timeOffsets"]?.decode()
        devices = try o["devices"]?.list() ?? []
        netDevices = try o["netDevices"]?.map() ?? [:]
        cgroupsPath = try o["cgroupsPath"]?.string()
        resources = try o["resources"]?.decode()
        rootfsPropagation = try o["rootfsPropagation"]?.choice("rootfs propagation")
        seccomp = try o["seccomp"]?.decode()
        sysctl = try o["sysctl"]?.stringMap() ?? [:]
        maskedPaths = try o["maskedPaths"]?.strings() ?? []
        readonlyPaths = try o["readonlyPaths"]?.strings() ?? []
        mountLabel = try o["mountLabel"]?.string()
        intelRdt = try o["intelRdt"]?.decode()
        personality = try o["personality"]?.decode()
        memoryPolicy = try o["memoryPolicy"]?.decode()
    }
}

extension Spec.Namespace: SpecDecodable {
    init(_ o: SpecObject) throws {
        type = try o.require("type").choice("namespace type")
        // Go tools write "path": "" for "create a new one" (no omitempty in older code).
        let path = try o["path"]?.string()
        self.path = path == "" ? nil : path
    }
}

extension Spec.TimeOffsets: SpecDecodable {
    /// The keys name clocks, and only two clocks can be offset; any other key is a mistake
    /// worth reporting rather than an unknown field to skip.
    init(_ o: SpecObject) throws {
        for entry in o.entries() {
            switch entry.key {
            case "monotonic": monotonic = try entry.field.decode()
            case "boottime": boottime = try entry.field.decode()
            default: throw RuntimeError(path: o.path, "unknown clock \(SpecPath.quoted(entry.key))")
            }
        }
    }
}

extension Spec.TimeOffset: SpecDecodable {
    init(_ o: SpecObject) throws {
        secs = try o["secs"]?.integer() ?? 0
        nanosecs = try o["nanosecs"]?.integer() ?? 0
    }
}

extension Spec.Device: SpecDecodable {
    init(_ o: SpecObject) throws {
        type = try o.require("type").choice("device type")
        path = try o.require("path").string()
        major = try o["major"]?.integer()
        minor = try o["minor"]?.integer()
        fileMode = try o["fileMode"]?.integer()
        uid = try o["uid"]?.integer()
        gid = try o["gid"]?.integer()
    }
}

extension Spec.NetDevice: SpecDecodable {
    init(_ o: SpecObject) throws {
        name = try o["name"]?.string()
    }
}

extension Spec.IntelRdt: SpecDecodable {
    init(_ o: SpecObject) throws {
        closID = try o["closID"]?.string()
        l3CacheSchema = try o["l3CacheSchema"]?.string()
        memBwSchema = try o["memBwSchema"]?.string()
        enableCMT = try o["enableCMT"]?.bool()
        enableMBM = try o["enableMBM"]?.bool()
    }
}

extension Spec.Personality: SpecDecodable {
    init(_ o: SpecObject) throws {
        domain = try o.require("domain").choice("personality domain")
        flags = try o["flags"]?.strings() ?? []
    }
}

extension Spec.MemoryPolicy: SpecDecodable {
    init(_ o: SpecObject) throws {
        mode = try o.require("mode").choice("memory policy mode")
        nodes = try o["nodes"]?.string()
        flags = try o["flags"]?.choices("memory policy flag") ?? []
    }
}
