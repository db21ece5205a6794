import Rootless

/// What `create` stores in `<root>/<id>/state.json`. The live status is never stored:
/// it is derived from the init process and the exec fifo each time it is asked for.
public struct ContainerRecord: Sendable, Equatable {
    public var id: String
    public var pid: Int32
    /// Start time of the init process in clock ticks since boot (pid-reuse guard).
    public var startTime: UInt64
    public var bundle: String
    public var rootfs: String
    public var created: String
    public var ociVersion: String
    public var annotations: [(key: String, value: String)]
    public var ownerUID: UInt32
    public var rootless: Bool
    /// The container's cgroup; nil when it runs without one.
    public var cgroup: CgroupLocation?

    public init(id: String, pid: Int32, startTime: UInt64, bundle: String, rootfs: String, created: String,
                ociVersion: String, annotations: [(key: String, value: String)], ownerUID: UInt32, rootless: Bool,
                cgroup: CgroupLocation? = nil) {
        self.id = id
        self.pid = pid
        self.startTime = startTime
        self.bundle = bundle
        self.rootfs = rootfs
        self.created = created
        self.ociVersion = ociVersion
        self.annotations = annotations
        self.ownerUID = ownerUID
        self.rootless = rootless
        self.cgroup = cgroup
    }

    public static func == (a: ContainerRecord, b: ContainerRecord) -> Bool {
        a.id == b.id && a.pid == b.pid && a.startTime == b.startTime && a.bundle == b.bundle && a.rootfs == b.rootfs
            && a.created == b.created && a.ociVersion == b.ociVersion && a.ownerUID == b.ownerUID
            && a.rootless == b.rootless && a.cgroup == b.cgroup && a.annotations.elementsEqual(b.annotations, by: { $0 == $1 })
    }

    public var json: JSONValue {
        var entries: [(key: String, value: JSONValue)] = [
            ("ociVersion", .string(ociVersion)),
            ("id", .string(id)),
            ("pid", .int(pid)),
            ("startTime", .int(startTime)),
            ("bundle", .string(bundle)),
            ("rootfs", .string(rootfs)),
            ("created", .string(created)),
            ("ownerUID", .int(ownerUID)),
            ("rootless", .bool(rootless)),
            ("annotations", .object(JSONObject(annotations.map { ($0.key, JSONValue.string($0.value)) }))),
        ]
        if let cgroup {
            var fields: [(key: String, value: JSONValue)] = [("driver", .string(cgroup.driver.rawValue)), ("path", .string(cgroup.path))]
            if let unit = cgroup.unit { fields.append(("unit", .string(unit))) }
            if let madeFrom = cgroup.madeFrom { fields.append(("madeFrom", .string(madeFrom))) }
            entries.append(("cgroup", .object(JSONObject(fields))))
        }
        return .object(JSONObject(entries))
    }

    public init(json value: JSONValue, path: String) throws {
        func field<T>(_ key: String, _ get: (JSONValue) -> T?) throws -> T {
            guard let v = value[key], let t = get(v) else {
                throw RuntimeError(path: path, "corrupt state: field \"\(key)\" missing or of the wrong type")
            }
            return t
        }
        id = try field("id") { $0.stringValue }
        pid = try field("pid") { $0.intValue.flatMap { Int32(exactly: $0) } }
        startTime = try field("startTime") { $0.intValue.flatMap { UInt64(exactly: $0) } }
        bundle = try field("bundle") { $0.stringValue }
        rootfs = try field("rootfs") { $0.stringValue }
        created = try field("created") { $0.stringValue }
        ociVersion = try field("ociVersion") { $0.stringValue }
        ownerUID = try field("ownerUID") { $0.intValue.flatMap { UInt32(exactly: $0) } }
        rootless = try field("rootless") { $0.boolValue }
        let notes = try field("annotations") { $0.objectValue }
        annotations = notes.entries.compactMap { e in e.value.stringValue.map { (e.key, $0) } }
        if let cgroup = value["cgroup"] {
            guard let driver = cgroup["driver"]?.stringValue.flatMap(CgroupDriver.init(rawValue:)),
                  let directory = cgroup["path"]?.stringValue, directory.hasPrefix("/sys/fs/cgroup/"), !directory.split(separator: "/").contains("..") else {
                throw RuntimeError(path: path, "corrupt state: field \"cgroup\" is not a cgroup driver and directory")
            }
            let madeFrom = cgroup["madeFrom"]?.stringValue
            if let madeFrom, !directory.hasPrefix(madeFrom + "/") || !madeFrom.hasPrefix("/sys/fs/cgroup/") {
                throw RuntimeError(path: path, "corrupt state: cgroup \"madeFrom\" is not a parent of its path")
            }
            self.cgroup = CgroupLocation(driver: driver, path: directory, unit: cgroup["unit"]?.stringValue, madeFrom: madeFrom)
        }
    }

    /// The OCI state document (runtime-spec "State"), as runc prints it.
    public func ociState(status: ContainerStatus) -> JSONValue {
        var entries: [(key: String, value: JSONValue)] = [
            ("ociVersion", .string(ociVersion)),
            ("id", .string(id)),
            ("pid", .int(status == .stopped ? 0 : pid)),
            ("status", .string(status.rawValue)),
            ("bundle", .string(bundle)),
            ("rootfs", .string(rootfs)),
            ("created", .string(created)),
            ("owner", .string("")),
        ]
        if !annotations.isEmpty {
            entries.append(("annotations", .object(JSONObject(annotations.map { ($0.key, JSONValue.string($0.value)) }))))
        }
        return .object(JSONObject(entries))
    }
}
