import CShim
import Glibc

/// What `ps` shows for a long-lived process we fork: /proc/<pid>/cmdline reads our argv
/// memory, so the title is written over it in place (the arguments can be no longer shown:
/// they name a container, and tools find a container's processes by that name).
enum ProcessTitle {
    static func set(_ title: String, name: String = "rsrun-userns") {
        let argv = CommandLine.unsafeArgv
        let count = Int(CommandLine.argc)
        if count > 0, let first = argv[0] {
            var end = first + strlen(first)
            for i in 1..<max(count, 1) {
                if let arg = argv[i], arg > end { end = arg + strlen(arg) }
            }
            let capacity = end - first
            memset(first, 0, capacity)
            let bytes = Array(title.utf8.prefix(capacity))
            for (i, byte) in bytes.enumerated() { first[i] = CChar(bitPattern: byte) }
        }
        _ = name.withCString { cshim_prctl(CSHIM_PR_SET_NAME, UInt(bitPattern: $0), 0, 0, 0) }
    }
}
