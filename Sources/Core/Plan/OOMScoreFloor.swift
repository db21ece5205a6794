import Rootless

/// How low this process may set its oom_score_adj. The kernel refuses a value below the
/// process's oom_score_adj_min (the last value a CAP_SYS_RESOURCE holder set for it or an
/// ancestor), not below its current score, and /proc does not show that floor: a caller whose
/// score was raised without privilege (containerd's shim is its containerd's + 1) may lower it
/// again down to the floor. So the one exact answer is the kernel's: try the value on
/// ourselves and put our score back (raising is always allowed).
enum OOMScoreFloor {
    static let path = "/proc/self/oom_score_adj"

    static func current() -> Int? {
        FileIO.readText(path).flatMap { Int(Substring($0).trimmingSpaces()) }
    }

    /// Whether we may set `value`, which is below our `current` score.
    static func mayLower(to value: Int, from current: Int) -> Bool {
        guard FileIO.writeKnob(path, "\(value)") else { return false }
        _ = FileIO.writeKnob(path, "\(current)")
        return true
    }
}
