/// How the board reads a figure, on the page (`DashboardViewModel`) and in `triad briefing`
/// (`BriefingText`) alike: money as the currency writes it with thousands separated, ratios as
/// percentages with two decimals, a negative one with a minus sign (−).
public enum BoardFigures {
    /// Minor units as the currency writes them, with thousands separators: `1,234,567.89 EUR`.
    public static func money(_ minor: Int64, _ currency: String) -> String {
        amount(minor, currency) + " " + currency
    }

    /// `money` without the currency, for a table that names it once: `1,234,567.89`.
    public static func amount(_ minor: Int64, _ currency: String) -> String {
        let digits = fractionDigits(currency)
        let scale = (0..<digits).reduce(Int128(1)) { value, _ in value * 10 }
        let magnitude = minor < 0 ? -Int128(minor) : Int128(minor)
        let whole = grouped(magnitude / scale)
        let fraction = digits == 0 ? "" : "." + padded(String(magnitude % scale), digits)
        return (minor < 0 ? "−" : "") + whole + fraction
    }

    /// Basis points as a percentage with two decimals: `200.00 %`, `−62.50 %`.
    public static func percent(_ bps: Int64) -> String {
        let magnitude = bps < 0 ? -Int128(bps) : Int128(bps)
        return (bps < 0 ? "−" : "") + grouped(magnitude / 100) + "." + padded(String(magnitude % 100), 2) + " %"
    }

    /// An integer with thousands separators: `1,234`, `−5`.
    public static func grouped<N: BinaryInteger>(_ value: N) -> String {
        let text = String(value.magnitude)
        var out = ""
        for (index, character) in text.enumerated() {
            if index > 0 && (text.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "−" : "") + out
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// ISO 4217 minor units for the currencies that do not use two.
    private static func fractionDigits(_ currency: String) -> Int {
        switch currency {
        case "JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "PYG", "UGX", "RWF": 0
        case "BHD", "KWD", "OMR", "JOD", "TND", "LYD", "IQD": 3
        default: 2
        }
    }
}
