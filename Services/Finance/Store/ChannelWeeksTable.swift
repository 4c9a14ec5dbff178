import Finance
import TriadEvents
import TriadStorage

/// `fin_channel_weeks`: per ISO week of event time, channel, rule-based model and partition, the
/// channel's spend (the same on each model's row) and the revenue the model attributed to it, written
/// as increments; reads sum the partitions. Only the latest `EventTime.weeksKept` weeks are kept,
/// counted back from the newest week stored.
public enum ChannelWeeksTable {
    static let table = Table(
        "fin_channel_weeks", key: 4,
        [
            .text("week"), .text("channel"), .text("model"), .integer("partition_id"), .integer("spend_minor"),
            .integer("revenue_minor"),
        ])

    private static let week = table.field("week"), channel = table.field("channel"), model = table.field("model")
    private static let partition = table.field("partition_id")
    private static let spend = table.field("spend_minor"), revenue = table.field("revenue_minor")

    // MARK: Reads

    /// Each channel's weeks under `model`, oldest first, summed over the partitions (a sum past 64
    /// bits saturates, far beyond any real spend): those of the latest 52 it had spend or
    /// revenue under `model` in. A row that does not read back is an error.
    public static func history(model: AttributionModel, in session: any SQLSession) throws
        -> [Channel: [ChannelWeek]]
    {
        var weeks: [ChannelWeekKey: (spendMinor: Int64, revenueMinor: Int64)] = [:]
        for row in try session.query("\(table.select) WHERE model = ?", [.text(model.rawValue)]) {
            let (key, _, figures) = try read(row)
            let sum = weeks[key.key] ?? (0, 0)
            weeks[key.key] = (
                checkedSum(sum.spendMinor, figures.spendMinor) ?? .max,
                checkedSum(sum.revenueMinor, figures.revenueMinor) ?? .max
            )
        }
        var history: [Channel: [ChannelWeek]] = [:]
        for (key, sum) in weeks.sorted(by: { $0.key < $1.key }) where sum.spendMinor != 0 || sum.revenueMinor != 0 {
            history[key.channel, default: []].append(
                ChannelWeek(week: key.week, spendMinor: sum.spendMinor, revenueMinor: sum.revenueMinor))
        }
        return history
    }

    /// The stored figures of every channel in `weeks` (what a batch adds to, for the overflow check).
    /// A row that does not read back is left out: no batch writes to its key.
    static func stored(_ weeks: Set<ISOWeek>, in session: any SQLSession) throws
        -> [PartitionKey<ChannelWeekKey>: WeekFigures]
    {
        guard !weeks.isEmpty else { return [:] }
        var stored: [PartitionKey<ChannelWeekKey>: WeekFigures] = [:]
        for row in try table.rows(weeks.sorted().map(\.description), in: session) {
            guard case let (key, model, figures)? = try? read(row) else { continue }
            stored[key, default: WeekFigures(spendMinor: figures.spendMinor)].revenueMinor[model] = figures.revenueMinor
        }
        return stored
    }

    /// The newest week stored; nil while there is none.
    static func newestWeek(in session: any SQLSession) throws -> ISOWeek? {
        try session.query("SELECT MAX(week) FROM fin_channel_weeks").first?.first?.text.flatMap(ISOWeek.init)
    }

    // MARK: Writes

    /// Adds a batch's weeks (one row per model, in key order) and keeps the latest 52: a week older
    /// than that is not written, and when the newest week moves on, the weeks it leaves behind go.
    static func add(_ deltas: [PartitionKey<ChannelWeekKey>: WeekFigures], in session: any SQLSession) throws {
        guard let batchNewest = deltas.keys.map(\.key.week).max() else { return }
        let stored = try newestWeek(in: session)
        let newest = max(batchNewest, stored ?? batchNewest)
        let oldest = EventTime.oldestWeekKept(newest: newest)
        let models = AttributionModel.allCases.sorted()
        var rows: [[SQLValue]] = []
        for (key, figures) in deltas.sorted(by: { $0.key < $1.key }) where oldest.map({ key.key.week >= $0 }) ?? true {
            for model in models {
                rows.append([
                    .text(key.key.week.description), .text(key.key.channel.rawValue), .text(model.rawValue),
                    .integer(Int64(key.partition)), .integer(figures.spendMinor),
                    .integer(figures.revenueMinor[model] ?? 0),
                ])
            }
        }
        try table.insert(rows, onConflict: .add, in: session)
        if let oldest, let stored, newest > stored {
            _ = try session.query("DELETE FROM fin_channel_weeks WHERE week < ?", [.text(oldest.description)])
        }
    }

    // MARK: Rows

    private static func read(_ row: SQLRow) throws -> (PartitionKey<ChannelWeekKey>, AttributionModel, ChannelWeek) {
        guard let text = row.text(week), let isoWeek = ISOWeek(text) else {
            throw StorageError("fin_channel_weeks holds a row whose week \(row.value(week)) does not read back")
        }
        guard let channel = row.text(channel).flatMap(Channel.init(rawValue:)) else {
            throw StorageError("fin_channel_weeks row of \(text) holds an unknown channel \(row.value(channel))")
        }
        guard let model = row.text(model).flatMap(AttributionModel.init(rawValue:)) else {
            throw StorageError("fin_channel_weeks row of \(text) holds an unknown model \(row.value(model))")
        }
        return (
            PartitionKey(
                ChannelWeekKey(week: isoWeek, channel: channel),
                partition: Int32(truncatingIfNeeded: row.integer(partition) ?? 0)), model,
            ChannelWeek(week: isoWeek, spendMinor: row.integer(spend) ?? 0, revenueMinor: row.integer(revenue) ?? 0)
        )
    }
}
