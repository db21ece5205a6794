import Rootless

/// `rsrun events --interval`: Go duration syntax, because runc takes the flag through Go's
/// time.ParseDuration and scripts written for it pass "5s", "100ms", "1m30s", "1.5h".
public enum EventInterval {
    public static let standard: Duration = .seconds(5)

    /// A positive duration; anything else is refused the way runc refuses it.
    public static func parse(_ text: String) throws(RuntimeError) -> Duration {
        let nanoseconds: Int64
        do {
            nanoseconds = try parseGoDuration(text)
        } catch {
            throw RuntimeError(path: "--interval", error.message)
        }
        guard nanoseconds > 0 else { throw RuntimeError(path: "--interval", "duration interval must be greater than 0") }
        return .nanoseconds(nanoseconds)
    }

    struct SyntaxError: Error, Equatable {
        var message: String
    }

    /// Go's grammar: an optional sign, then one or more decimal numbers (fraction allowed)
    /// each with a unit of ns, us (µs, μs), ms, s, m or h; "0" alone needs no unit. The result
    /// is nanoseconds and must fit an Int64, as a Go time.Duration must.
    static func parseGoDuration(_ text: String) throws(SyntaxError) -> Int64 {
        var rest = Substring(text).unicodeScalars[...]
        let quoted = "\"" + text + "\""
        let invalid = SyntaxError(message: "invalid duration " + quoted)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        if rest.elementsEqual("0".unicodeScalars) { return 0 }
        guard !rest.isEmpty else { throw invalid }

        // Up to 2^63 so that the most negative duration is reachable.
        let limit: UInt64 = 1 << 63
        var total: UInt64 = 0
        while !rest.isEmpty {
            guard let head = rest.first, head == "." || isDigit(head) else { throw invalid }
            var whole: UInt64 = 0
            var digits = 0
            while let c = rest.first, isDigit(c) {
                let (scaled, o1) = whole.multipliedReportingOverflow(by: 10)
                let (next, o2) = scaled.addingReportingOverflow(UInt64(c.value - 48))
                guard !o1, !o2, next <= limit else { throw invalid }
                whole = next
                digits += 1
                rest = rest.dropFirst()
            }
            // Digits past 18 decimals cannot change a nanosecond count; they are dropped.
            var fraction: UInt64 = 0
            var scale: UInt64 = 1
            if rest.first == "." {
                rest = rest.dropFirst()
                while let c = rest.first, isDigit(c) {
                    if scale < 1_000_000_000_000_000_000 {
                        fraction = fraction * 10 + UInt64(c.value - 48)
                        scale *= 10
                    }
                    digits += 1
                    rest = rest.dropFirst()
                }
            }
            guard digits > 0 else { throw invalid }

            var unit = ""
            while let c = rest.first, c != ".", !isDigit(c) {
                unit.unicodeScalars.append(c)
                rest = rest.dropFirst()
            }
            guard !unit.isEmpty else { throw SyntaxError(message: "missing unit in duration " + quoted) }
            guard let perUnit = unitNanoseconds[unit] else {
                throw SyntaxError(message: "unknown unit \"\(unit)\" in duration " + quoted)
            }
            guard whole <= limit / perUnit else { throw invalid }
            var value = whole * perUnit
            if fraction > 0 {
                // fraction < scale, so fraction * perUnit / scale < perUnit: the quotient fits.
                let product = fraction.multipliedFullWidth(by: perUnit)
                value += scale.dividingFullWidth(product).quotient
                guard value <= limit else { throw invalid }
            }
            total += value
            guard total <= limit else { throw invalid }
        }
        if negative { return total == limit ? .min : -Int64(total) }
        guard total < limit else { throw invalid }
        return Int64(total)
    }

    static let unitNanoseconds: [String: UInt64] = [
        "ns": 1,
        "us": 1_000, "\u{00B5}s": 1_000, "\u{03BC}s": 1_000,
        "ms": 1_000_000,
        "s": 1_000_000_000,
        "m": 60_000_000_000,
        "h": 3_600_000_000_000,
    ]

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }

    /// Whole nanoseconds of a Duration, saturating: the stream only needs them for deadlines.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, o2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return o2 ? .max : sum
    }
}
