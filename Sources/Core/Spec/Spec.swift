import Rootless

/// config.json: the OCI runtime-spec 1.2 container configuration, Linux parts only
/// (Windows, Solaris, VM and z/OS sections are ignored like any unknown field).
///
/// Optional values are `nil` when absent or `null`; lists and maps whose absence means the
/// same as empty are plain arrays and dictionaries. Nested types live under `Spec` so their
/// short names (Process, Mount, Device) cannot clash with anything else in the module.
public struct Spec: Sendable, Equatable {
    public var ociVersion: String
    public var process: Process?
    public var root: Root
    public var hostname: String?
    public var domainname: String?
    public var mounts: [Mount] = []
    public var hooks: Hooks?
    public var annotations: [String: String] = [:]
    public var linux: Linux?

    /// The runtime-spec versions rsrun reads: the model follows `version`; `validate` takes
    /// any 1.x, so the oldest is 1.0.0.
    public static let oldestVersion = "1.0.0"
    public static let version = "1.2.0"

    public init(ociVersion: String, root: Root) {
        self.ociVersion = ociVersion
        self.root = root
    }

    /// Parse + decode + validate. Errors are RuntimeError with `path` = the JSON path, or
    /// `source` for syntax errors and a top level that is not an object.
    public static func parse(_ bytes: [UInt8], source: String = "config.json") throws -> Spec {
        let document = try JSONParser.parse(bytes, source: source)
        guard case .object(let object) = document else {
            throw RuntimeError(path: source, "expected an object")
        }
        let spec = try Spec(SpecObject(object: object, path: ""))
        try spec.validate()
        return spec
    }

    public struct Root: Sendable, Equatable {
        public var path: String
        public var readonly: Bool = false

        public init(path: String, readonly: Bool = false) {
            self.path = path
            self.readonly = readonly
        }
    }

    public struct Mount: Sendable, Equatable {
        public var destination: String
        public var type: String?
        public var source: String?
        public var options: [String] = []
        /// Idmapped-mount ranges (mount_setattr MOUNT_ATTR_IDMAP).
        public var uidMappings: [IDMapping] = []
        public var gidMappings: [IDMapping] = []

        public init(destination: String, type: String? = nil, source: String? = nil, options: [String] = []) {
            self.destination = destination
            self.type = type
            self.source = source
            self.options = options
        }
    }

    public struct Hooks: Sendable, Equatable {
        /// Deprecated by the spec in favour of createRuntime/createContainer/startContainer.
        public var prestart: [Hook] = []
        public var createRuntime: [Hook] = []
        public var createContainer: [Hook] = []
        public var startContainer: [Hook] = []
        public var poststart: [Hook] = []
        public var poststop: [Hook] = []

        public init() {}

        /// Every stage by its config.json name, in the order the spec lists them: decoding,
        /// validation and `rsrun features` read this one list, and each field above is run by
        /// the lifecycle (HookRunner callers in Create, ContainerInit, Start, Delete).
        public enum Stage: String, CaseIterable, Sendable {
            case prestart, createRuntime, createContainer, startContainer, poststart, poststop
        }

        /// A switch, not key paths: instantiating six key paths cost ~140k instructions
        /// (0.04 ms) on every create whose config has a hooks object (docker's always does).
        public subscript(stage stage: Stage) -> [Hook] {
            get {
                switch stage {
                case .prestart: prestart
                case .createRuntime: createRuntime
                case .createContainer: createContainer
                case .startContainer: startContainer
                case .poststart: poststart
                case .poststop: poststop
                }
            }
            set {
                switch stage {
                case .prestart: prestart = newValue
                case .createRuntime: createRuntime = newValue
                case .createContainer: createContainer = newValue
                case .startContainer: startContainer = newValue
                case .poststart: poststart = newValue
                case .poststop: poststop = newValue
                }
            }
        }

        public var isEmpty: Bool {
            Stage.allCases.allSatisfy { self[stage: $0].isEmpty }
        }
    }

    public struct Hook: Sendable, Equatable {
        public var path: String
        public var args: [String] = []
        public var env: [String] = []
        /// Seconds; the spec requires it to be positive when set.
        public var timeout: Int?

        public init(path: String, args: [String] = [], env: [String] = [], timeout: Int? = nil) {
            self.path = path
            self.args = args
            self.env = env
            self.timeout = timeout
        }
    }
}

// MARK: decoding

extension Spec: SpecDecodable {
    init(_ o: SpecObject) throws {
        ociVersion = try o.require("ociVersion").string()
        root = try o.require("root").decode()
        process = try o["process"]?.decode()
        hostname = try o["hostname"]?.string()
        domainname = try o["domainname"]?.string()
        mounts = try o["mounts"]?.list() ?? []
        hooks = try o["hooks"]?.decode()
        annotations = try o["annotations"]?.stringMap() ?? [:]
        linux = try o["linux"]?.decode()
    }
}

extension Spec.Root: SpecDecodable {
    init(_ o: SpecObject) throws {
        path = try o.require("path").string()
        readonly = try o["readonly"]?.bool() ?? false
    }
}

extension Spec.Mount: SpecDecodable {
    init(_ o: SpecObject) throws {
        destination = try o.require("destination").string()
        type = try o["type"]?.string()
        source = try o["source"]?.string()
        options = try o["options"]?.strings() ?? []
        uidMappings = try o["uidMappings"]?.idMappings() ?? []
        gidMappings = try o["gidMappings"]?.idMappings() ?? []
    }
}

extension Spec.Hooks: SpecDecodable {
    init(_ o: SpecObject) throws {
        for stage in Spec.Hooks.Stage.allCases {
            self[stage: stage] = try o[stage.rawValue]?.list() ?? []
        }
    }
}

extension Spec.Hook: SpecDecodable {
    init(_ o: SpecObject) throws {
        path = try o.require("path").string()
        args = try o["args"]?.strings() ?? []
        env = try o["env"]?.strings() ?? []
        timeout = try o["timeout"]?.integer()
    }
}
