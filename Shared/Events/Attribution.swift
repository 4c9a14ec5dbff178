/// The rule-based attribution models: how an order's credit is shared among the campaigns that
/// touched its customer. Their raw values are the names used on the wire, in URLs and on the page.
public enum AttributionModel: String, Codable, CodingKeyRepresentable, Sendable, CaseIterable, Comparable {
    case lastTouch = "last-touch"
    case firstTouch = "first-touch"
    case linear
    case timeDecay = "time-decay"
    case positionBased = "position-based"

    /// The model the board's recommendations and the unqualified figures use.
    public static let `default` = AttributionModel.lastTouch

    /// The order of `allCases`.
    public static func < (a: AttributionModel, b: AttributionModel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Every model's name, in order, for messages that list them.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// One campaign's part of one order under one model: basis points of the order and minor units of
/// its revenue. Over an order's list, `bps` sums to exactly 10,000 and `revenue` to the order's revenue.
public struct CampaignCredit: Codable, Hashable, Sendable {
    public var campaignId: String
    public var bps: Int64
    public var revenue: Money

    public init(campaignId: String, bps: Int64, revenue: Money) {
        self.campaignId = campaignId
        self.bps = bps
        self.revenue = revenue
    }
}

/// One campaign's share of a whole, in basis points.
public struct CampaignShare: Codable, Hashable, Sendable {
    public var campaignId: String
    public var bps: Int64

    public init(campaignId: String, bps: Int64) {
        self.campaignId = campaignId
        self.bps = bps
    }
}

/// An order's credits under every rule-based model, each list sorted by campaign id.
public typealias CreditsByModel = [AttributionModel: [CampaignCredit]]

extension ValidationRules {
    /// Credits of one order of `revenue`: every model present, each list sorted by campaign id (by
    /// bytes) without repeats, no negative part, basis points summing to 10,000 and revenue to the
    /// order's; `lastTouch`, when given, must be last touch's only campaign.
    public func requireCredits(
        _ credits: CreditsByModel, of revenue: Money, lastTouch: String?, _ field: String
    ) throws(EventRejection) {
        if let recorder { return recorder.record(.credits(field: field)) }
        // Absent (or `{}`): named as a whole, as the schema's `required` names it.
        guard !credits.isEmpty else {
            throw EventRejection(
                .invalidData, field: field,
                "is required from schema version 2, naming every model (\(AttributionModel.names))")
        }
        for model in AttributionModel.allCases {
            let path = "\(field).\(model.rawValue)"
            guard let list = credits[model], !list.isEmpty else {
                throw EventRejection(
                    .invalidData, field: path, "is required: credits name every model (\(AttributionModel.names))")
            }
            var bps: Int64 = 0
            var minor: Int64 = 0
            for (index, credit) in list.enumerated() {
                let at = "\(path)[\(index)]"
                try requireIdentifier(credit.campaignId, at + ".campaignId")
                if index > 0, !(list[index - 1].campaignId.utf8Key < credit.campaignId.utf8Key) {
                    throw EventRejection(
                        .invalidData, field: at + ".campaignId", "must come after the one before (sorted, no repeats)")
                }
                try requireAtLeast(credit.bps, 0, at + ".bps")
                try requireAtMost(credit.bps, 10_000, at + ".bps")
                try requireMoney(credit.revenue, at + ".revenue")
                bps += credit.bps
                minor = checkedSum(minor, credit.revenue.amountMinor) ?? .max
            }
            guard bps == 10_000 else {
                throw EventRejection(.invalidData, field: path, "bps must sum to 10000, got \(bps)")
            }
            guard minor == revenue.amountMinor else {
                throw EventRejection(
                    .invalidData, field: path, "revenue must sum to the order's \(revenue.amountMinor), got \(minor)")
            }
        }
        if let lastTouch, let list = credits[.lastTouch],
            list.count != 1 || list[0].campaignId.utf8Key != lastTouch.utf8Key
        {
            throw EventRejection(
                .invalidData, field: "\(field).last-touch", "must credit campaignId '\(lastTouch)' wholly")
        }
    }
}

/// Each rule-based model's figures for one campaign, in finance's ROI report.
public struct ModelReturn: Codable, Hashable, Sendable {
    /// The campaign's credited revenue under the model: a total.
    public var revenue: MoneyTotal
    /// Credited conversions in basis points of an order (10,000 = one whole order).
    public var conversionsBps: Int64
    /// Absent while spend is 0.
    public var roiBps: Int64?
    /// Absent while spend is 0.
    public var roasBps: Int64?

    public init(revenue: MoneyTotal, conversionsBps: Int64, spendMinor: Int64) {
        self.revenue = revenue
        self.conversionsBps = conversionsBps
        self.roiBps = Ratios.roiBps(revenueMinor: revenue.amountMinor, spendMinor: spendMinor)
        self.roasBps = Ratios.roasBps(revenueMinor: revenue.amountMinor, spendMinor: spendMinor)
    }
}

/// An object keyed by model name, read in `AttributionModel.allCases` order: `Dictionary`'s own
/// decoding visits keys in hash order, so an object with two faults would be refused naming either.
/// A name that is not a model is refused (the first such name, by its text), as `Dictionary` does.
public struct ByModel<Value: Decodable>: Decodable {
    public var values: [AttributionModel: Value]

    public init(_ values: [AttributionModel: Value]) { self.values = values }

    private struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Name.self)
        if let other = container.allKeys.map(\.stringValue).filter({ AttributionModel(rawValue: $0) == nil }).min() {
            throw DecodingError.dataCorruptedError(
                forKey: Name(stringValue: other), in: container,
                debugDescription: "Could not convert key to type AttributionModel")
        }
        values = [:]
        for model in AttributionModel.allCases {
            values[model] = try container.decodeIfPresent(Value.self, forKey: Name(stringValue: model.rawValue))
        }
    }
}

/// Objects keyed by model name, in the payloads' Codable code (synthesized too), read as `ByModel`.
extension KeyedDecodingContainer {
    public func decode<V: Decodable>(_ type: [AttributionModel: V].Type, forKey key: Key) throws
        -> [AttributionModel: V]
    {
        try decode(ByModel<V>.self, forKey: key).values
    }

    public func decodeIfPresent<V: Decodable>(_ type: [AttributionModel: V].Type, forKey key: Key) throws
        -> [AttributionModel: V]?
    {
        try decodeIfPresent(ByModel<V>.self, forKey: key)?.values
    }
}
