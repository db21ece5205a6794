import Glibc

/// `--debug`: the steps a verb takes, with the time since the verb began, for the log and
/// stderr. Off by default, and then free: the message is an autoclosure that is never built.
public struct StepTrace {
    private let sink: ((String) -> Void)?
    private let startNs: Int64

    public init(_ sink: ((String) -> Void)? = nil) {
        self.sink = sink
        startNs = sink == nil ? 0 : StepTrace.now()
    }

    public var enabled: Bool { sink != nil }

    public func step(_ message: @autoclosure () -> String) {
        guard let sink else { return }
        let micros = (StepTrace.now() - startNs) / 1000
        let ms = micros / 1000, frac = micros % 1000
        let padded = frac < 10 ? "00\(frac)" : frac < 100 ? "0\(frac)" : "\(frac)"
        sink("+\(ms).\(padded) ms \(message())")
    }

    private static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
