import Glibc
@testable import Core
import Testing

@Suite("RFC 3339 timestamps")
struct ClockTests {
    @Test("fixed instants", arguments: [
        (0, 0, "1970-01-01T00:00:00.000000000Z"),
        (1_700_000_000, 42, "2023-11-14T22:13:20.000000042Z"),
        (951_868_799, 999_999_999, "2000-02-29T23:59:59.999999999Z"),
        (1_234_567_890, 123_456_789, "2009-02-13T23:31:30.123456789Z"),
        (4_102_444_800, 100_000_000, "2100-01-01T00:00:00.100000000Z"),
    ] as [(Int, Int, String)])
    func fixed(_ seconds: Int, _ nanos: Int, _ expected: String) {
        #expect(Clock.rfc3339(timespec(tv_sec: seconds, tv_nsec: nanos)) == expected)
    }

    @Test("shape: YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ", arguments: [0, 1, 999, 1_000_000, 999_999_999])
    func shape(_ nanos: Int) {
        check(Clock.rfc3339(timespec(tv_sec: 1_717_171_717, tv_nsec: nanos)))
    }

    @Test("now() has the same shape")
    func now() {
        check(Clock.rfc3339())
    }

    func check(_ text: String) {
        let chars = Array(text)
        #expect(chars.count == 30)
        guard chars.count == 30 else { return }
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] + Array(20...28)
        for i in digits { #expect(chars[i].isASCII && chars[i].isNumber, "position \(i) of \(text)") }
        #expect(chars[4] == "-" && chars[7] == "-")
        #expect(chars[10] == "T")
        #expect(chars[13] == ":" && chars[16] == ":")
        #expect(chars[19] == ".")
        #expect(chars[29] == "Z")
        #expect(chars[20...28].count == 9)
    }
}

@Suite("Exit codes")
struct ExitCodeTests {
    @Test("wait status to shell exit code", arguments: [
        (0, 0), (3 << 8, 3), (1 << 8, 1), (255 << 8, 255), (127 << 8, 127),
        (9, 137), (15, 143), (2, 130), (6 | 0x80, 134), (11 | 0x80, 139),
    ] as [(Int32, Int32)])
    func exitCode(_ status: Int32, _ expected: Int32) {
        #expect(Runtime.exitCode(status) == expected)
    }
}
