/// Parsers for the text formats of cgroup v2 interface files, pure so they can be tested
/// against fixture strings. They are lenient where runc gives up: a malformed line costs that
/// line, not the whole stats event, because `events` is a monitoring tool and half an answer
/// beats none.
enum CgroupFileFormat {
    /// One `io.stat` counter in runc's cgroup v1 layout (`blkio.io_service_bytes` and friends).
    struct BlkioEntry: Equatable, Sendable {
        var major: UInt64
        var minor: UInt64
        var op: String
        var value: UInt64
    }

    /// The two tables runc fills from `io.stat`; the other v2 keys (dbytes, dios) have no
    /// v1 counterpart and are dropped, as runc does.
    struct IOStat: Equatable, Sendable {
        var serviceBytes: [BlkioEntry] = []
        var serviced: [BlkioEntry] = []
    }

    /// One line of a `*.pressure` file. The averages keep their decimal text, normalised the
    /// way Go prints the float64 runc parses them into ("1.50" -> "1.5", "0.00" -> "0"), so
    /// no binary rounding gets in between.
    struct PressureData: Equatable, Sendable {
        var avg10 = "0"
        var avg60 = "0"
        var avg300 = "0"
        var total: UInt64 = 0

        var isZero: Bool { avg10 == "0" && avg60 == "0" && avg300 == "0" && total == 0 }
    }

    struct Pressure: Equatable, Sendable {
        var some = PressureData()
        var full = PressureData()
    }

    /// An unsigned counter. Negative numbers read as 0: old kernels could print transiently
    /// negative memory.stat values, and runc's ParseUint maps those to 0 rather than failing.
    static func parseUInt(_ token: Substring) -> UInt64? {
        if token.first == "-" {
            let digits = token.dropFirst()
            return !digits.isEmpty && digits.allSatisfy(\.isASCIIDigit) ? 0 : nil
        }
        return UInt64(token)
    }

    /// A single-value file (`memory.current`, `pids.max`). "max" is the largest value, as
    /// runc's GetCgroupParamUint has it; callers that report "no limit" as 0 convert.
    static func parseSingleValue(_ text: String) -> UInt64? {
        let trimmed = text.split(whereSeparator: \.isCgroupSpace)
        guard trimmed.count == 1 else { return nil }
        if trimmed[0] == "max" { return .max }
        return parseUInt(trimmed[0])
    }

    /// A flat-keyed file (`cpu.stat`, `memory.stat`, `memory.events`): "key value" per line,
    /// in file order. Lines that are not exactly two fields with a number are skipped.
    static func parseFlatKeyed(_ text: String) -> [(key: String, value: UInt64)] {
        var pairs: [(key: String, value: UInt64)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: \.isCgroupSpace)
            guard fields.count == 2, let value = parseUInt(fields[1]) else { continue }
            pairs.append((String(fields[0]), value))
        }
        return pairs
    }

    /// The value of `key` in a flat-keyed file; the last occurrence wins, like a Go map fill.
    static func value(of key: String, inFlatKeyed text: String) -> UInt64? {
        parseFlatKeyed(text).last(where: { $0.key == key })?.value
    }

    /// `io.stat`: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" per device.
    /// rbytes/wbytes become io_service_bytes Read/Write, rios/wios io_serviced Read/Write.
    static func parseIOStat(_ text: String) -> IOStat {
        var stat = IOStat()
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: \.isCgroupSpace)
            guard fields.count >= 2 else { continue }
            let device = fields[0].split(separator: ":", omittingEmptySubsequences: false)
            guard device.count == 2, let major = UInt64(device[0]), let minor = UInt64(device[1]) else { continue }
            for item in fields.dropFirst() {
                let pair = item.split(separator: "=", omittingEmptySubsequences: false)
                guard pair.count == 2 else { continue }
                let entry: (op: String, bytes: Bool)
                switch pair[0] {
                case "rbytes": entry = ("Read", true)
                case "wbytes": entry = ("Write", true)
                case "rios": entry = ("Read", false)
                case "wios": entry = ("Write", false)
                default: continue
                }
                guard let value = UInt64(pair[1]) else { continue }
                let row = BlkioEntry(major: major, minor: minor, op: entry.op, value: value)
                if entry.bytes { stat.serviceBytes.append(row) } else { stat.serviced.append(row) }
            }
        }
        return stat
    }

    /// A pressure file ("some avg10=0.00 avg60=0.00 avg300=0.00 total=0", and a "full" line).
    /// nil when a field is malformed: runc then reports no psi at all rather than a guess.
    static func parsePressure(_ text: String) -> Pressure? {
        var pressure = Pressure()
        for line in text.split(separator: "\n") {
            let fields = line.split(whereSeparator: \.isCgroupSpace)
            guard let kind = fields.first, kind == "some" || kind == "full" else { continue }
            var data = PressureData()
            for field in fields.dropFirst() {
                let pair = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2 else { return nil }
                switch pair[0] {
                case "avg10", "avg60", "avg300":
                    guard let number = normalizedDecimal(pair[1]) else { return nil }
                    if pair[0] == "avg10" { data.avg10 = number } else if pair[0] == "avg60" { data.avg60 = number } else { data.avg300 = number }
                case "total":
                    guard let total = UInt64(pair[1]) else { return nil }
                    data.total = total
                default:
                    continue
                }
            }
            if kind == "some" { pressure.some = data } else { pressure.full = data }
        }
        return pressure
    }

    /// "12.30" -> "12.3", "0.00" -> "0", "007" -> "7"; nil for anything but digits[.digits].
    /// The kernel prints two decimals, so the shortest form is what Go's float printing gives.
    static func normalizedDecimal(_ text: Substring) -> String? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit) else {
            return nil
        }
        var integer = String(whole.drop(while: { $0 == "0" }))
        if integer.isEmpty { integer = "0" }
        var decimals = Substring(fraction)
        while decimals.last == "0" { decimals = decimals.dropLast() }
        return decimals.isEmpty ? integer : integer + "." + decimals
    }

    /// Page sizes with a hugetlb controller file in the directory ("2MB", "1GB"). runc asks
    /// /sys/kernel/mm/hugepages instead; the kernel creates one `hugetlb.<size>.current` per
    /// size it supports, so the listing gives the same set and keeps this testable.
    static func hugePageSizes(in names: [String]) -> [String] {
        var sizes: [String] = []
        for name in names where name.hasPrefix("hugetlb.") && name.hasSuffix(".current") {
            let size = name.dropFirst("hugetlb.".count).dropLast(".current".count)
            // "hugetlb.2MB.rsvd.current" is the reservation counter of the same size.
            if !size.isEmpty, !size.contains(".") { sizes.append(String(size)) }
        }
        return sizes.sorted()
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
    fileprivate var isCgroupSpace: Bool { self == " " || self == "\t" || self == "\n" }
}
