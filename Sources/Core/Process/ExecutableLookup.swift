import Glibc
import Rootless

/// Finds `process.args[0]` inside the container as execvp would, but before the container is
/// reported created, so a typo fails `create` with a clear message instead of exiting later.
enum ExecutableLookup {
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    static func find(_ name: String, searchPath: String, field: String = "process.args[0]") throws -> String {
        if name.contains("/") {
            if access(name, X_OK) == 0 && !FileIO.isDirectory(name) { return name }
            throw RuntimeError(path: field, "\(name): executable file not found", errno: ENOENT)
        }
        for dir in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let base = dir.isEmpty ? "." : String(dir)
            let candidate = base + "/" + name
            if access(candidate, X_OK) == 0 && !FileIO.isDirectory(candidate) { return candidate }
        }
        throw RuntimeError(path: field, "\(name): executable file not found in $PATH")
    }
}
