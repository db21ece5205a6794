import CShim
import Glibc
import Rootless

extension Runtime {
    /// Host pids of the container's processes, the init first: those of its cgroup, or without
    /// one, those of its pid namespace; a container whose init is not that namespace's pid 1
    /// (it shares ours, or joined another's) has the init and its descendants.
    public func processes(_ id: String) throws -> [Int32] {
        let (record, status) = try inspect(id)
        guard let record, status == .created || status == .running || status == .paused else { return [] }
        return ContainerProcesses.list(record)
    }
}

enum ContainerProcesses {
    static func list(_ record: ContainerRecord) -> [Int32] {
        guard let cgroup = record.cgroup else { return list(initPid: record.pid) }
        return [record.pid] + cgroup.directory.processes().filter { $0 != record.pid }
    }

    /// Whether a listed pid is still in the container (it may have exited and been reused).
    /// `hierarchy`: detected once by the caller for all the pids it checks.
    static func belongs(_ pid: Int32, to record: ContainerRecord, hierarchy: CgroupHierarchy?) -> Bool {
        guard let cgroup = record.cgroup else { return sharesPidNamespace(pid, with: record.pid) }
        guard let own = FileIO.readText("/proc/\(pid)/cgroup").flatMap(CgroupHierarchy.ownCgroup),
              let hierarchy else { return false }
        let directory = hierarchy.directory(own)
        return directory == cgroup.path || directory.hasPrefix(cgroup.path + "/")
    }

    static func list(initPid: Int32) -> [Int32] {
        guard let target = namespaceID(initPid) else { return [] }
        let pids = (FileIO.list("/proc") ?? []).compactMap { Int32($0) }.sorted()
        // A pid namespace shared with us, or joined (linux.namespaces[].path) and so another
        // container's too, holds more than this one: there the init's descendants are its own.
        if !isNamespaceInit(initPid) {
            return descendants(of: initPid, among: pids)
        }
        var found = [initPid]
        for pid in pids where pid != initPid && namespaceID(pid) == target {
            if ProcessProbe.read(pid: pid)?.isAlive == true { found.append(pid) }
        }
        return found
    }

    static func sharesPidNamespace(_ pid: Int32, with other: Int32) -> Bool {
        guard let a = namespaceID(pid) else { return false }
        return a == namespaceID(other)
    }

    /// Whether `pid` is pid 1 of its own pid namespace (the last NSpid of /proc/<pid>/status).
    static func isNamespaceInit(_ pid: Int32) -> Bool {
        guard let status = FileIO.readText("/proc/\(pid)/status"),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("NSpid:") }) else { return false }
        return line.split(whereSeparator: { $0 == "\t" || $0 == " " }).last == "1"
    }

    /// The pid namespace of a process (device and inode of its ns link); nil if unreadable.
    static func namespaceID(_ pid: Int32) -> [UInt64]? {
        var info = stat()
        guard stat("/proc/\(pid)/ns/pid", &info) == 0 else { return nil }
        return [UInt64(info.st_dev), UInt64(info.st_ino)]
    }

    static func descendants(of root: Int32, among pids: [Int32]) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for pid in pids {
            if let probe = ProcessProbe.read(pid: pid), probe.isAlive { children[probe.parent, default: []].append(pid) }
        }
        var found = [root]
        var i = 0
        while i < found.count {
            found += children[found[i]] ?? []
            i += 1
        }
        return found
    }
}

extension Runtime {
    /// `ps` as runc prints it: the host's `ps` with `psArgs` (default -ef), keeping the header
    /// and the lines whose PID column is one of the container's processes.
    public func psTable(_ id: String, psArgs: [String], environment: [String]) throws -> String {
        let pids = Set(try processes(id))
        let searchPath = environment.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? ExecutableLookup.defaultPath
        let ps = try ExecutableLookup.find("ps", searchPath: searchPath, field: "ps")
        let outcome = try ChildCommand(path: ps, args: ["ps"] + (psArgs.isEmpty ? ["-ef"] : psArgs), env: environment).run()
        guard let status = outcome.status, status == 0 else {
            throw RuntimeError(path: ps, "exited with status \(Runtime.exitCode(outcome.status ?? 0))")
        }
        let lines = String(decoding: outcome.output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first, let column = header.split(separator: " ").firstIndex(of: "PID") else {
            throw RuntimeError(path: "ps", "its output has no PID column")
        }
        var kept = [String(header)]
        for line in lines.dropFirst() {
            let fields = line.split(separator: " ")
            if fields.count > column, let pid = Int32(fields[column]), pids.contains(pid) { kept.append(String(line)) }
        }
        return kept.joined(separator: "\n")
    }
}
