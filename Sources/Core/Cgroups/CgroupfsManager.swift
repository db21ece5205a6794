import CShim
import Glibc
import Rootless

/// The cgroupfs v2 driver: rsrun makes the directory itself, enables the controllers the
/// limits need in every parent's cgroup.subtree_control, writes the limits before clone3, and
/// clones the init straight into it.
public struct CgroupfsManager: CgroupManager {
    public let hierarchy: CgroupHierarchy

    public init(hierarchy: CgroupHierarchy) { self.hierarchy = hierarchy }

    /// CLONE_INTO_CGROUP (5.7) is the default: measured faster than writing cgroup.procs after
    /// clone3 (docs/benchmarks.md), and the init never runs outside its cgroup.
    static let cloneIntoCgroup = true

    public func prepare(_ request: CgroupRequest) throws -> CgroupPlacement {
        let cgroup = try CgroupfsPath.resolve(request.path, id: request.id, ownCgroup: hierarchy.ownCgroup)
        let path = hierarchy.directory(cgroup)
        let made = try makeDirectories(path, controllers: request.writes)
        do {
            let directory = CgroupDirectory(path: path)
            if !made.contains(path), !directory.processes().isEmpty {
                throw RuntimeError(path: "linux.cgroupsPath", "cgroup \(path) already holds processes")
            }
            for write in request.writes.writes { try directory.write(write) }
            // made holds the leaf last: anything before it is a parent we made.
            let location = CgroupLocation(driver: .cgroupfs, path: path, madeFrom: made.count > 1 ? made.first : nil)
            var placement = CgroupPlacement(location: location)
            placement.needsAttach = true
            if CgroupfsManager.cloneIntoCgroup {
                placement.directoryFD = open(path, Int32(CSHIM_O_PATH) | O_DIRECTORY | O_CLOEXEC)
                if placement.directoryFD < 0 { throw RuntimeError.system("open cgroup", path: path) }
            }
            return placement
        } catch {
            for dir in made.reversed() { rmdir(dir) }
            throw error
        }
    }

    /// mkdir -p from the nearest existing ancestor, enabling the controllers on the way down.
    /// Returns the directories it made, outermost first, for removal on failure. A parent can
    /// vanish under us (another container's delete removing the empty parent it had made):
    /// then the walk starts again.
    func makeDirectories(_ path: String, controllers writes: CgroupResourcePlan) throws -> [String] {
        var attempt = 0
        while true {
            do {
                return try makeDirectoriesOnce(path, controllers: writes)
            } catch let error as RuntimeError where error.errno == ENOENT && attempt < 5 {
                attempt += 1
            }
        }
    }

    func makeDirectoriesOnce(_ path: String, controllers writes: CgroupResourcePlan) throws -> [String] {
        let base = CgroupManagers.nearestExisting(path)
        // The directories to make, outermost first.
        var missing: [String] = []
        var dir = path
        while dir != base, let slash = dir.lastIndex(of: "/") {
            missing.insert(dir, at: 0)
            dir = String(dir[..<slash])
        }
        let needed = writes.controllers
        try requireControllers(writes, offeredBy: base)
        var made: [String] = []
        do {
            var parent = base
            for dir in missing {
                try enable(needed, in: parent)
                if mkdir(dir, 0o755) != 0 && cshim_errno() != EEXIST {
                    throw RuntimeError(step: "make cgroup", path: dir, "", errno: cshim_errno())
                }
                made.append(dir)
                parent = dir
            }
            if missing.isEmpty, let slash = path.lastIndex(of: "/") { try enable(needed, in: String(path[..<slash])) }
        } catch {
            for dir in made.reversed() { rmdir(dir) }
            throw error
        }
        return made
    }

    /// Every controller the limits need must be one `directory` can hand down.
    func requireControllers(_ writes: CgroupResourcePlan, offeredBy directory: String) throws {
        let available = CgroupHierarchy.controllers(at: directory)
        guard let absent = writes.controllers.first(where: { !available.contains($0) }),
              let write = writes.writes.first(where: { $0.controller == absent }) else { return }
        var why = "needs the \(absent) controller, which cgroup v2 at \(directory) does not offer (it has: \(available.isEmpty ? "none" : available.joined(separator: " ")))"
        if hierarchy.layout == .hybrid { why += "; this host keeps \(absent) in cgroup v1, which rsrun does not drive" }
        throw RuntimeError(path: write.field, why)
    }

    /// Adds to a parent's cgroup.subtree_control what it does not hand down yet.
    func enable(_ controllers: [String], in parent: String) throws {
        guard !controllers.isEmpty else { return }
        let enabled = (FileIO.readText(parent + "/cgroup.subtree_control") ?? "").split { $0 == " " || $0 == "\n" }
        let wanted = controllers.filter { c in !enabled.contains { $0 == c } }
        guard !wanted.isEmpty else { return }
        let text = wanted.map { "+" + $0 }.joined(separator: " ")
        if !FileIO.writeKnob(parent + "/cgroup.subtree_control", text) {
            let code = cshim_errno()
            let why = code == EBUSY ? "it holds processes itself (cgroup v2 allows controllers only below cgroups without processes)" : ""
            throw RuntimeError(step: "enable \(wanted.joined(separator: " ")) in cgroup.subtree_control", path: parent, why, errno: code)
        }
    }

    public func attach(_ placement: CgroupPlacement, pid: Int32, request: CgroupRequest) throws -> CgroupLocation? {
        guard let location = placement.location else { return nil }
        if placement.directoryFD < 0 {
            if !FileIO.writeKnob(location.path + "/cgroup.procs", "\(pid)") {
                throw RuntimeError(step: "move the init into its cgroup", path: location.path + "/cgroup.procs", "", errno: cshim_errno())
            }
        }
        return location
    }

    public func update(_ location: CgroupLocation, resources: Spec.Resources, writes: CgroupResourcePlan, devices: [Spec.Resources.DeviceRule]?) throws {
        let directory = location.directory
        if let slash = location.path.lastIndex(of: "/") {
            let parent = String(location.path[..<slash])
            try requireControllers(writes, offeredBy: parent)
            try enable(writes.controllers, in: parent)
        }
        for write in writes.writes { try directory.write(write) }
        if let devices { try DeviceProgram.install(rules: devices, cgroupDirectory: location.path) }
    }

    public func destroy(_ location: CgroupLocation) throws {
        try location.directory.destroy()
        removeParents(location)
    }

    /// The parents create made, innermost first, while they are empty. rmdir refuses a
    /// cgroup that still has children, so a parent another container lives in stays (and
    /// then outlives both: only the container that made it removes it).
    func removeParents(_ location: CgroupLocation) {
        guard let top = location.madeFrom, location.path.hasPrefix(top + "/") else { return }
        var dir = location.path
        while dir != top, let slash = dir.lastIndex(of: "/") {
            dir = String(dir[..<slash])
            if rmdir(dir) != 0 && cshim_errno() != ENOENT { return }
        }
    }
}
