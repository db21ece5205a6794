@testable import Core
import Rootless
import Testing

@Suite("EventInterval: --interval in Go duration syntax")
struct EventIntervalTests {
    @Test("Go durations", arguments: [
        ("5s", Int64(5_000_000_000)), ("100ms", 100_000_000), ("1m", 60_000_000_000), ("1m30s", 90_000_000_000),
        ("1.5h", 5_400_000_000_000), (".5s", 500_000_000), ("1.s", 1_000_000_000), ("+2s", 2_000_000_000),
        ("300us", 300_000), ("7\u{00B5}s", 7_000), ("7\u{03BC}s", 7_000), ("42ns", 42), ("0", 0), ("-3ms", -3_000_000),
        ("1.000000001s", 1_000_000_001), ("0.1234567891234s", 123_456_789), ("2562047h47m16.854775807s", Int64.max),
    ])
    func goSyntax(text: String, nanoseconds: Int64) throws {
        #expect(try EventInterval.parseGoDuration(text) == nanoseconds)
    }

    @Test("Go's three complaints")
    func syntaxErrors() {
        func message(_ text: String) -> String? {
            do { _ = try EventInterval.parseGoDuration(text) } catch { return error.message }
            return nil
        }
        #expect(message("5") == #"missing unit in duration "5""#)
        #expect(message("5x") == #"unknown unit "x" in duration "5x""#)
        #expect(message("") == #"invalid duration """#)
        #expect(message("s") == #"invalid duration "s""#)
        #expect(message(".s") == #"invalid duration ".s""#)
        #expect(message("1e3s") == #"unknown unit "e" in duration "1e3s""#)
        #expect(message("2562047h47m16.854775808s") == #"invalid duration "2562047h47m16.854775808s""#)
        #expect(message("99999999999999999999s") != nil)
    }

    @Test("parse gives a Duration and refuses zero, negatives and junk on --interval")
    func interval() throws {
        #expect(try EventInterval.parse("100ms") == .milliseconds(100))
        #expect(EventInterval.standard == .seconds(5))
        for bad in ["0", "-1s", "0s", "soon", "5"] {
            #expect(throws: RuntimeError.self) { try EventInterval.parse(bad) }
        }
        #expect(throws: RuntimeError(path: "--interval", "duration interval must be greater than 0")) { try EventInterval.parse("-1s") }
        #expect(throws: RuntimeError(path: "--interval", #"unknown unit "x" in duration "5x""#)) { try EventInterval.parse("5x") }
    }

    @Test("Duration back to nanoseconds for the deadline arithmetic")
    func nanoseconds() {
        #expect(EventInterval.nanoseconds(.milliseconds(1500)) == 1_500_000_000)
        #expect(EventInterval.nanoseconds(.seconds(Int64.max)) == .max)
    }
}
