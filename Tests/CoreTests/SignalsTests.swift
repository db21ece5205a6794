@testable import Core
import Rootless
import Testing

@Suite("Signal names")
struct SignalsTests {
    @Test("names, SIG prefixes, any case and numbers", arguments: [
        ("TERM", 15), ("SIGTERM", 15), ("sigterm", 15), ("Term", 15), ("15", 15),
        ("KILL", 9), ("SIGKILL", 9), ("9", 9), ("HUP", 1), ("INT", 2), ("QUIT", 3),
        ("ABRT", 6), ("IOT", 6), ("USR1", 10), ("USR2", 12), ("PIPE", 13), ("ALRM", 14),
        ("CHLD", 17), ("CONT", 18), ("STOP", 19), ("WINCH", 28), ("IO", 29), ("POLL", 29), ("SYS", 31),
        ("1", 1), ("64", 64),
    ] as [(String, Int32)])
    func named(_ text: String, _ expected: Int32) throws {
        #expect(try Signals.parse(text) == expected)
    }

    @Test("real-time signals relative to RTMIN (34) and RTMAX (64)", arguments: [
        ("RTMIN", 34), ("SIGRTMIN", 34), ("rtmin", 34), ("RTMIN+2", 36), ("SIGRTMIN+1", 35), ("RTMIN+30", 64),
        ("RTMAX", 64), ("RTMAX-0", 64), ("RTMAX+0", 64), ("RTMAX-2", 62), ("SIGRTMAX-30", 34),
    ] as [(String, Int32)])
    func realtime(_ text: String, _ expected: Int32) throws {
        #expect(try Signals.parse(text) == expected)
    }

    @Test("unknown names", arguments: [
        "SIGFOO", "FOO", "", "SIG", "RTMIN-1", "RTMIN+31", "RTMAX+1", "RTMAX-31", "RTMIN+x", "RTMIN+", "TERM ", "1.5",
    ])
    func unknown(_ text: String) {
        let error = #expect(throws: RuntimeError.self) { try Signals.parse(text) }
        #expect(error?.description == "signal: unknown signal \"\(text)\"")
    }

    @Test("numbers outside 1-64", arguments: ["0", "65", "-1", "-9", "2147483647"])
    func outOfRange(_ text: String) {
        let error = #expect(throws: RuntimeError.self) { try Signals.parse(text) }
        #expect(error?.description == "signal: \(text) is out of range 1-64")
    }
}
