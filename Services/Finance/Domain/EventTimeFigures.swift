import TriadEvents

/// Finance's figures by event time: spend by when it was spent, revenue and orders by when the order
/// was purchased, new customers by when they first bought. Each goes to the channel of the campaign it
/// names as finance knows it then: a campaign whose plan finance has not seen counts under `other`, and
/// what it booked there stays there when the plan arrives later.
public enum EventTime {
    /// How many ISO weeks the weekly history keeps: those up to 51 weeks before the newest week of
    /// event time finance has seen on any channel, so that every channel's history covers the same year.
    public static let weeksKept = 52

    /// The oldest week kept when `newest` is the newest week seen (nil: keep all, near year 0001).
    public static func oldestWeekKept(newest: ISOWeek) -> ISOWeek? { newest.advanced(by: -(weeksKept - 1)) }

    /// The channel figures count a campaign under: its planned channel, or `other` while unknown.
    public static func channel(of account: CampaignAccount) -> Channel { account.channel ?? .other }
}

/// A week's or quarter's figures are kept per source partition (the event's partition number), so
/// that instances sharing the database add to rows of their own; reads sum the partitions.
public struct PartitionKey<Key: Hashable & Comparable & Sendable>: Hashable, Comparable, Sendable {
    public let key: Key
    public let partition: Int32

    public init(_ key: Key, partition: Int32) {
        self.key = key
        self.partition = partition
    }

    public static func < (a: PartitionKey, b: PartitionKey) -> Bool { (a.key, a.partition) < (b.key, b.partition) }
}

/// One channel's week of event time.
public struct ChannelWeekKey: Hashable, Comparable, Sendable {
    public let week: ISOWeek
    public let channel: Channel

    public init(week: ISOWeek, channel: Channel) {
        self.week = week
        self.channel = channel
    }

    public static func < (a: ChannelWeekKey, b: ChannelWeekKey) -> Bool {
        (a.week, a.channel.rawValue) < (b.week, b.channel.rawValue)
    }
}

/// A channel's spend in a week and the revenue each rule-based model attributed to it, by the week
/// the order was purchased (minor units).
public struct WeekFigures: Sendable, Equatable {
    public var spendMinor: Int64
    /// A model that credited nothing is absent.
    public var revenueMinor: [AttributionModel: Int64]

    public init(spendMinor: Int64 = 0, revenueMinor: [AttributionModel: Int64] = [:]) {
        self.spendMinor = spendMinor
        self.revenueMinor = revenueMinor
    }
}

/// One week of a channel's history under one model, as the response curves read it.
public struct ChannelWeek: Sendable, Equatable {
    public let week: ISOWeek
    public let spendMinor: Int64
    public let revenueMinor: Int64

    public init(week: ISOWeek, spendMinor: Int64, revenueMinor: Int64) {
        self.week = week
        self.spendMinor = spendMinor
        self.revenueMinor = revenueMinor
    }
}

/// One channel's quarter of event time.
public struct QuarterChannelKey: Hashable, Comparable, Sendable {
    public let quarter: Quarter
    public let channel: Channel

    public init(quarter: Quarter, channel: Channel) {
        self.quarter = quarter
        self.channel = channel
    }

    public static func < (a: QuarterChannelKey, b: QuarterChannelKey) -> Bool {
        (a.quarter, a.channel.rawValue) < (b.quarter, b.channel.rawValue)
    }
}

/// What a quarter of event time holds: spend booked in it, last touch's revenue and attributed orders
/// purchased in it, and new customers whose first order was attributed to a campaign and purchased in
/// it (an organic first purchase is recorded, so the customer never counts later, but is not counted).
public struct QuarterFigures: Sendable, Equatable, Codable {
    public var spendMinor: Int64
    public var revenueMinor: Int64
    public var orders: Int64
    public var newCustomers: Int64

    public init(spendMinor: Int64 = 0, revenueMinor: Int64 = 0, orders: Int64 = 0, newCustomers: Int64 = 0) {
        self.spendMinor = spendMinor
        self.revenueMinor = revenueMinor
        self.orders = orders
        self.newCustomers = newCustomers
    }

    /// The report of `quarter`'s figures at `revision` (CAC, cost per order and MER as
    /// `AcquisitionReported` computes them).
    public func report(_ quarter: Quarter, currency: String, revision: Int64) -> AcquisitionReported {
        AcquisitionReported(
            quarter: quarter, spend: MoneyTotal(amountMinor: spendMinor, currency: currency),
            revenue: MoneyTotal(amountMinor: revenueMinor, currency: currency), orders: orders,
            newCustomers: newCustomers, revision: revision)
    }
}

/// What the last acquisition report of a quarter said, and its revision (0: never reported).
public struct ReportedQuarter: Sendable, Equatable {
    public var figures: QuarterFigures
    public var revision: Int64

    public init(figures: QuarterFigures = QuarterFigures(), revision: Int64 = 0) {
        self.figures = figures
        self.revision = revision
    }
}
