import Finance
import TriadEvents
import TriadStorage

/// `fin_quarter_figures`: per quarter of event time, channel and partition, the spend booked in it,
/// last touch's revenue and orders purchased in it and the new customers acquired in it, written as
/// increments; reads sum the partitions.
public enum QuarterFiguresTable {
    static let table = Table(
        "fin_quarter_figures", key: 3,
        [
            .text("quarter"), .text("channel"), .integer("partition_id"), .integer("spend_minor"),
            .integer("revenue_minor"), .integer("orders"), .integer("new_customers"),
        ])

    private static let quarter = table.field("quarter"), channel = table.field("channel")
    private static let partition = table.field("partition_id")
    private static let spend = table.field("spend_minor"), revenue = table.field("revenue_minor")
    private static let orders = table.field("orders"), newCustomers = table.field("new_customers")

    // MARK: Reads

    /// Each quarter's figures, summed over the channels and partitions (a sum past 64 bits saturates:
    /// far beyond any envelope). A row that does not read back is an error.
    public static func byQuarter(in session: any SQLSession) throws -> [Quarter: QuarterFigures] {
        var quarters: [Quarter: QuarterFigures] = [:]
        for row in try table.all(in: session) {
            let (key, figures) = try read(row)
            quarters[key.key.quarter] = sum(quarters[key.key.quarter] ?? QuarterFigures(), figures)
        }
        return quarters
    }

    /// One quarter's figures per channel, summed over the partitions; a channel with none is absent.
    public static func byChannel(in quarter: Quarter, in session: any SQLSession) throws -> [Channel: QuarterFigures] {
        var channels: [Channel: QuarterFigures] = [:]
        for row in try table.rows([quarter.description], in: session) {
            let (key, figures) = try read(row)
            channels[key.key.channel] = sum(channels[key.key.channel] ?? QuarterFigures(), figures)
        }
        return channels
    }

    /// The newest quarter of event time finance has booked anything in; nil before any (written with
    /// four year digits, so it sorts last).
    public static func newestQuarter(in session: any SQLSession) throws -> Quarter? {
        let newest = try session.query("SELECT MAX(quarter) FROM fin_quarter_figures").first?.first?.text
        return newest.flatMap { Quarter($0) }
    }

    /// The stored figures of every channel in `quarters` (what a batch adds to, for the overflow
    /// check). A row that does not read back is left out: no batch writes to its key.
    static func stored(_ quarters: Set<Quarter>, in session: any SQLSession) throws
        -> [PartitionKey<QuarterChannelKey>: QuarterFigures]
    {
        guard !quarters.isEmpty else { return [:] }
        var stored: [PartitionKey<QuarterChannelKey>: QuarterFigures] = [:]
        for row in try table.rows(quarters.sorted().map(\.description), in: session) {
            guard case let (key, figures)? = try? read(row) else { continue }
            stored[key] = figures
        }
        return stored
    }

    // MARK: Writes

    /// Adds a batch's figures, in key order.
    static func add(_ deltas: [PartitionKey<QuarterChannelKey>: QuarterFigures], in session: any SQLSession) throws {
        try table.insert(
            deltas.sorted { $0.key < $1.key }.map { key, f in
                [
                    .text(key.key.quarter.description), .text(key.key.channel.rawValue), .integer(Int64(key.partition)),
                    .integer(f.spendMinor), .integer(f.revenueMinor), .integer(f.orders), .integer(f.newCustomers),
                ]
            }, onConflict: .add, in: session)
    }

    // MARK: Rows

    private static func sum(_ a: QuarterFigures, _ b: QuarterFigures) -> QuarterFigures {
        func add(_ x: Int64, _ y: Int64) -> Int64 { checkedSum(x, y) ?? .max }
        return QuarterFigures(
            spendMinor: add(a.spendMinor, b.spendMinor), revenueMinor: add(a.revenueMinor, b.revenueMinor),
            orders: add(a.orders, b.orders), newCustomers: add(a.newCustomers, b.newCustomers))
    }

    private static func read(_ row: SQLRow) throws -> (PartitionKey<QuarterChannelKey>, QuarterFigures) {
        guard let text = row.text(quarter), let readQuarter = Quarter(text) else {
            throw StorageError("fin_quarter_figures holds a row whose quarter \(row.value(quarter)) does not read back")
        }
        guard let channel = row.text(channel).flatMap(Channel.init(rawValue:)) else {
            throw StorageError("fin_quarter_figures row of \(text) holds an unknown channel \(row.value(channel))")
        }
        return (
            PartitionKey(
                QuarterChannelKey(quarter: readQuarter, channel: channel),
                partition: Int32(truncatingIfNeeded: row.integer(partition) ?? 0)),
            QuarterFigures(
                spendMinor: row.integer(spend) ?? 0, revenueMinor: row.integer(revenue) ?? 0,
                orders: row.integer(orders) ?? 0, newCustomers: row.integer(newCustomers) ?? 0)
        )
    }
}
