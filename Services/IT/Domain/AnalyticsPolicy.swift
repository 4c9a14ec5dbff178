import TriadEvents

/// IT's configurable rules.
public struct AnalyticsPolicy: Sendable, Equatable {
    public static let day: Int64 = 86_400_000

    /// Attribution window; a touch exactly one window before the purchase still counts.
    public var attributionWindowMilliseconds: Int64
    /// A customer with a purchase who has been silent this long (in event time) is at churn risk.
    public var inactivityMilliseconds: Int64
    public var currency: String
    /// How far ahead of the wall clock an interaction's `occurredAt` may be. Anything later is
    /// refused: one event must not move a partition's clock (and flag every buyer) into the future.
    public var maxAheadMilliseconds: Int64
    /// Time decay's half-life: a touch this long before the purchase weighs half of one at it.
    public var timeDecayHalfLifeMilliseconds: Int64

    public init(
        attributionWindowDays: Int64 = 30, inactivityDays: Int64 = 60, maxAheadHours: Int64 = 720,
        timeDecayHalfLifeHours: Int64 = 168, currency: String
    ) {
        self.attributionWindowMilliseconds = attributionWindowDays * Self.day
        self.timeDecayHalfLifeMilliseconds = timeDecayHalfLifeHours * 3_600_000
        self.inactivityMilliseconds = inactivityDays * Self.day
        self.maxAheadMilliseconds = maxAheadHours * 3_600_000
        self.currency = currency
    }
}
