import Rootless

/// `linux.cgroupsPath` as the systemd cgroup driver reads it: `slice:prefix:name`, runc's
/// format (kubelet, containerd and podman write it), naming a unit and the slice it goes in.
///
///     system.slice:docker:abc  → docker-abc.scope in system.slice
///     :rsrun:c1                → rsrun-c1.scope in system.slice (user.slice when rootless)
///     -:rsrun:c1               → rsrun-c1.scope in the root slice
///     kubepods.slice:x:pod.slice → pod.slice, a slice (the prefix is ignored)
public struct SystemdCgroupsPath: Sendable, Equatable {
    /// The parent slice unit: `system.slice`, `a-b.slice`, `-.slice` for the root.
    public var slice: String
    /// The unit rsrun asks systemd to create: `prefix-name.scope`, or `name` when it is a slice.
    public var unit: String

    public init(slice: String, unit: String) {
        self.slice = slice
        self.unit = unit
    }

    public static let field = "linux.cgroupsPath"
    public static let defaultPrefix = "rsrun"

    /// A slice unit can hold other units but no processes of its own (kubelet asks for pod slices).
    public var isSlice: Bool { unit.hasSuffix(".slice") }

    /// `text` nil or empty means `:rsrun:<id>`, as runc does with its own name.
    public static func parse(_ text: String?, id: String, rootless: Bool) throws -> SystemdCgroupsPath {
        let given = text ?? ""
        let path = given.isEmpty ? ":\(defaultPrefix):\(id)" : given
        let parts = path.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else {
            throw RuntimeError(path: field, "\"\(path)\" is not a systemd cgroups path: expected slice:prefix:name "
                + "(e.g. system.slice:rsrun:\(id)); a path like /a/b is for the cgroupfs driver, without --systemd-cgroup")
        }
        var slice = parts[0]
        let prefix = parts[1]
        let name = parts[2]
        // Under a user's systemd, system.slice does not exist; user.slice is its counterpart.
        if slice.isEmpty { slice = rootless ? "user.slice" : "system.slice" }
        if slice == "-" { slice = "-.slice" }
        _ = try expandSlice(slice)
        guard !name.isEmpty else {
            throw RuntimeError(path: field, "\"\(path)\" has an empty name: expected slice:prefix:name")
        }
        // runc's rule: a name ending in .slice is the unit itself, anything else becomes a scope.
        // An empty prefix still gets its dash (`-name.scope`), as in runc and crun.
        let unit = name.hasSuffix(".slice") ? name : "\(prefix)-\(name).scope"
        try checkUnitName(unit, in: path)
        if unit.hasSuffix(".slice") { _ = try expandSlice(unit) }
        return SystemdCgroupsPath(slice: slice, unit: unit)
    }

    /// systemd nests slices by the dashes in their names: `a-b.slice` is `/a.slice/a-b.slice`,
    /// and `-.slice`, the root slice, is `/`. The rules are systemd's (and runc's ExpandSlice):
    /// the name ends in .slice, has no `/`, and no empty part between dashes.
    public static func expandSlice(_ slice: String) throws -> String {
        func bad(_ why: String) -> RuntimeError {
            RuntimeError(path: field, "\"\(slice)\" is not a systemd slice name: \(why)")
        }
        let suffix = ".slice"
        guard slice.hasSuffix(suffix), slice.count > suffix.count else { throw bad("it must end in .slice") }
        guard !slice.contains("/") else { throw bad("it must not contain /; nesting is written with dashes (a-b.slice)") }
        let stem = slice.dropLast(suffix.count)
        if stem == "-" { return "/" }
        var path = ""
        var prefix = ""
        for component in stem.split(separator: "-", omittingEmptySubsequences: false) {
            guard !component.isEmpty else { throw bad("empty part between dashes") }
            path += "/" + prefix + component + suffix
            prefix += component + "-"
        }
        return path
    }

    /// The unit's cgroup, relative to the cgroup root of the systemd instance that manages it
    /// (`/sys/fs/cgroup` for the system one, user@UID.service's cgroup for a user's). A slice
    /// unit is placed by its own name; a scope sits in its slice.
    public func cgroup() throws -> String {
        if isSlice { return try Self.expandSlice(unit) }
        let parent = try Self.expandSlice(slice)
        return (parent == "/" ? "" : parent) + "/" + unit
    }

    /// systemd's unit name alphabet and length (UNIT_NAME_MAX), checked here so that a bad
    /// name gets an error pointing at config.json instead of a D-Bus one.
    static func checkUnitName(_ unit: String, in path: String) throws {
        guard unit.utf8.count < 256 else {
            throw RuntimeError(path: field, "\"\(path)\" makes the unit name \(unit.utf8.count) bytes long; systemd allows 255")
        }
        for byte in unit.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                 UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "@"):
                continue
            default:
                throw RuntimeError(path: field, "\"\(path)\": the unit name \"\(unit)\" has a character systemd does not allow "
                    + "(only letters, digits and -_.@\\)")
            }
        }
    }
}
