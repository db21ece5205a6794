import Glibc
import Rootless

/// Signal names as `kill` accepts them: TERM, SIGTERM, sigterm or 15, plus RTMIN+n.
public enum Signals {
    static let table: [(String, Int32)] = [
        ("HUP", SIGHUP), ("INT", SIGINT), ("QUIT", SIGQUIT), ("ILL", SIGILL), ("TRAP", SIGTRAP),
        ("ABRT", SIGABRT), ("IOT", SIGABRT), ("BUS", SIGBUS), ("FPE", SIGFPE), ("KILL", SIGKILL),
        ("USR1", SIGUSR1), ("SEGV", SIGSEGV), ("USR2", SIGUSR2), ("PIPE", SIGPIPE), ("ALRM", SIGALRM),
        ("TERM", SIGTERM), ("STKFLT", SIGSTKFLT), ("CHLD", SIGCHLD), ("CONT", SIGCONT), ("STOP", SIGSTOP),
        ("TSTP", SIGTSTP), ("TTIN", SIGTTIN), ("TTOU", SIGTTOU), ("URG", SIGURG), ("XCPU", SIGXCPU),
        ("XFSZ", SIGXFSZ), ("VTALRM", SIGVTALRM), ("PROF", SIGPROF), ("WINCH", SIGWINCH), ("IO", SIGIO),
        ("POLL", SIGIO), ("PWR", SIGPWR), ("SYS", SIGSYS),
    ]
    /// Linux real-time signals; glibc reserves the first two, so SIGRTMIN is 34 to programs.
    static let rtMin: Int32 = 34
    static let rtMax: Int32 = 64

    /// The names `parse` knows, without the SIG prefix (for completion and help).
    public static var names: [String] { table.map(\.0) + ["RTMIN", "RTMAX"] }

    public static func parse(_ text: String) throws -> Int32 {
        if let n = Int32(text) {
            guard n > 0 && n <= rtMax else { throw RuntimeError(path: "signal", "\(text) is out of range 1-\(rtMax)") }
            return n
        }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if let hit = table.first(where: { $0.0 == name }) { return hit.1 }
        if name.hasPrefix("RTMIN") || name.hasPrefix("RTMAX") {
            let base = name.hasPrefix("RTMIN") ? rtMin : rtMax
            let rest = name.dropFirst(5)
            let offset = rest.isEmpty ? 0 : Int32(rest)
            if let offset {
                let (n, overflow) = base.addingReportingOverflow(offset)
                if !overflow && n >= rtMin && n <= rtMax { return n }
            }
        }
        throw RuntimeError(path: "signal", "unknown signal \"\(text)\"")
    }
}
