import Rootless

/// Rules the spec states beyond the shape of the JSON. Decoding already enforced types,
/// widths, required fields and closed sets; these are the checks that need a whole value or
/// several fields at once. The first violation found is thrown, with its JSON path.
extension Spec {
    public func validate() throws {
        guard ociVersion.hasPrefix("1.") else {
            throw RuntimeError(path: "ociVersion", "unsupported version \(SpecPath.quoted(ociVersion)), rsrun supports 1.x")
        }
        guard !root.path.isEmpty else { throw RuntimeError(path: "root.path", "must not be empty") }
        if let process { try SpecValidator.check(process) }
        for (index, mount) in mounts.enumerated() {
            if mount.destination.isEmpty { throw RuntimeError(path: "mounts[\(index)].destination", "must not be empty") }
            for (field, ranges) in [("uidMappings", mount.uidMappings), ("gidMappings", mount.gidMappings)] {
                if let (i, message) = ranges.mapProblem() { throw RuntimeError(path: "mounts[\(index)].\(field)[\(i)]", message) }
            }
        }
        if let hooks { try SpecValidator.check(hooks) }
        if annotations.keys.contains("") {
            throw RuntimeError(path: "annotations", "keys must not be empty")
        }
        if let linux { try SpecValidator.check(linux) }
    }
}

enum SpecValidator {
    static func check(_ process: Spec.Process) throws {
        guard !process.args.isEmpty else { throw RuntimeError(path: "process.args", "must not be empty") }
        try requireAbsolute(process.cwd, at: "process.cwd")
        var seen: Set<String> = []
        for (index, limit) in process.rlimits.enumerated() {
            let path = "process.rlimits[\(index)]"
            guard Spec.Rlimit.resources[limit.type] != nil else {
                throw RuntimeError(path: "\(path).type", "unknown rlimit type \(SpecPath.quoted(limit.type))")
            }
            // The spec makes duplicates an error: which one would win is otherwise unclear.
            guard seen.insert(limit.type).inserted else {
                throw RuntimeError(path: "process.rlimits", "duplicate rlimit type \(SpecPath.quoted(limit.type))")
            }
            guard limit.soft <= limit.hard else {
                throw RuntimeError(path: path, "soft limit \(limit.soft) is above hard limit \(limit.hard)")
            }
        }
        if let adj = process.oomScoreAdj, !(-1000...1000).contains(adj) {
            throw RuntimeError(path: "process.oomScoreAdj", "must be between -1000 and 1000, got \(adj)")
        }
        if let io = process.ioPriority, !(0...7).contains(io.priority) {
            throw RuntimeError(path: "process.ioPriority.priority", "must be between 0 and 7, got \(io.priority)")
        }
    }

    static func check(_ hooks: Spec.Hooks) throws {
        for stage in Spec.Hooks.Stage.allCases {
            for (index, hook) in hooks[stage: stage].enumerated() {
                let path = "hooks.\(stage.rawValue)[\(index)]"
                try requireAbsolute(hook.path, at: "\(path).path")
                if let timeout = hook.timeout, timeout <= 0 {
                    throw RuntimeError(path: "\(path).timeout", "must be greater than zero, got \(timeout)")
                }
            }
        }
    }

    static func check(_ linux: Spec.Linux) throws {
        var kinds: [NamespaceKind: Int] = [:]
        for (index, namespace) in linux.namespaces.enumerated() {
            if let first = kinds[namespace.type] {
                throw RuntimeError(path: "linux.namespaces[\(index)].type", "duplicate namespace type \(SpecPath.quoted(namespace.type.rawValue)) (also linux.namespaces[\(first)])")
            }
            kinds[namespace.type] = index
            if let path = namespace.path {
                try requireAbsolute(path, at: "linux.namespaces[\(index)].path")
            }
        }
        for (field, ranges) in [("linux.uidMappings", linux.uidMappings), ("linux.gidMappings", linux.gidMappings)] {
            if let (index, message) = ranges.mapProblem() { throw RuntimeError(path: "\(field)[\(index)]", message) }
        }
        if let offsets = linux.timeOffsets {
            for (clock, offset) in [("monotonic", offsets.monotonic), ("boottime", offsets.boottime)] {
                if let offset, offset.nanosecs >= 1_000_000_000 {
                    throw RuntimeError(path: "linux.timeOffsets.\(clock).nanosecs", "must be less than 1000000000")
                }
            }
        }
        for (index, device) in linux.devices.enumerated() {
            let path = "linux.devices[\(index)]"
            try requireAbsolute(device.path, at: "\(path).path")
            if device.type != .fifo {
                let kind = SpecPath.quoted(device.type.rawValue)
                if device.major == nil { throw RuntimeError(path: "\(path).major", "is required for device type \(kind)") }
                if device.minor == nil { throw RuntimeError(path: "\(path).minor", "is required for device type \(kind)") }
            }
        }
        for (index, path) in linux.maskedPaths.enumerated() {
            try requireAbsolute(path, at: "linux.maskedPaths[\(index)]")
        }
        for (index, path) in linux.readonlyPaths.enumerated() {
            try requireAbsolute(path, at: "linux.readonlyPaths[\(index)]")
        }
        if let resources = linux.resources { try check(resources) }
        if let seccomp = linux.seccomp { try check(seccomp) }
    }

    static func check(_ resources: Spec.Resources) throws {
        for (index, rule) in resources.devices.enumerated() {
            guard let access = rule.access else { continue }
            let valid = access.utf8.allSatisfy { $0 == UInt8(ascii: "r") || $0 == UInt8(ascii: "w") || $0 == UInt8(ascii: "m") }
            guard valid else {
                throw RuntimeError(
                    path: "linux.resources.devices[\(index)].access",
                    "must be made of \"r\", \"w\" and \"m\", got \(SpecPath.quoted(access))"
                )
            }
        }
    }

    static func check(_ seccomp: Spec.Seccomp) throws {
        for (index, syscall) in seccomp.syscalls.enumerated() {
            let path = "linux.seccomp.syscalls[\(index)]"
            guard !syscall.names.isEmpty else { throw RuntimeError(path: "\(path).names", "must not be empty") }
            // Seccomp sees six syscall arguments; a larger index can never match.
            for (argIndex, arg) in syscall.args.enumerated() where arg.index > 5 {
                throw RuntimeError(path: "\(path).args[\(argIndex)].index", "must be between 0 and 5, got \(arg.index)")
            }
        }
    }

    static func requireAbsolute(_ path: String, at field: String) throws {
        guard path.utf8.first == UInt8(ascii: "/") else {
            throw RuntimeError(path: field, "must be an absolute path, got \(SpecPath.quoted(path))")
        }
    }
}
