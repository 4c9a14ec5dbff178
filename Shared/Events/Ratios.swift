/// Campaign ratios in exact integer arithmetic, rounded toward negative infinity.
public enum Ratios {
    /// `floor((revenue − spend) × 10000 / spend)`; nil while spend is 0.
    public static func roiBps(revenueMinor: Int64, spendMinor: Int64) -> Int64? {
        guard spendMinor > 0 else { return nil }
        return floorDivide((Int128(revenueMinor) - Int128(spendMinor)) * 10_000, Int128(spendMinor))
    }

    /// `floor(revenue × 10000 / spend)`; nil while spend is 0.
    public static func roasBps(revenueMinor: Int64, spendMinor: Int64) -> Int64? {
        guard spendMinor > 0 else { return nil }
        return floorDivide(Int128(revenueMinor) * 10_000, Int128(spendMinor))
    }

    /// Marketing efficiency ratio over a period, all channels: `floor(revenue × 10000 / spend)`, as
    /// ROAS is for one campaign; nil while spend is 0.
    public static func merBps(revenueMinor: Int64, spendMinor: Int64) -> Int64? {
        roasBps(revenueMinor: revenueMinor, spendMinor: spendMinor)
    }

    /// Customer acquisition cost: `floor(spend / new customers)`; nil while there are none.
    public static func cacMinor(spendMinor: Int64, newCustomers: Int64) -> Int64? {
        perUnit(spendMinor, newCustomers)
    }

    /// Cost per order: `floor(spend / orders)`; nil while there are no orders.
    public static func costPerOrderMinor(spendMinor: Int64, orders: Int64) -> Int64? {
        perUnit(spendMinor, orders)
    }

    private static func perUnit(_ spendMinor: Int64, _ count: Int64) -> Int64? {
        guard count > 0 else { return nil }
        return floorDivide(Int128(spendMinor), Int128(count))
    }

    /// Integer division rounded toward negative infinity (Swift's `/` truncates toward zero).
    /// The result is clamped into Int64, which only matters for amounts beyond any real budget.
    public static func floorDivide(_ dividend: Int128, _ divisor: Int128) -> Int64 {
        var quotient = dividend / divisor
        if (dividend % divisor != 0) && ((dividend < 0) != (divisor < 0)) {
            quotient -= 1
        }
        return Int64(clamping: quotient)
    }

    /// `part < percent% of whole`, exactly.
    public static func isBelow(_ part: Int64, percent: Int64, of whole: Int64) -> Bool {
        Int128(part) * 100 < Int128(whole) * Int128(percent)
    }
}
