import TriadEvents

/// Finance's view of one campaign: its channel and budget decision, spend, attributed revenue and
/// conversions (last touch's), new customers, and what each attribution model credited it with. An
/// account can exist before its campaign is known (spend and attributions are kept, never dropped).
public struct CampaignAccount: Sendable, Equatable, Codable {
    public enum Decision: Sendable, Equatable, Codable {
        case approved(amountMinor: Int64)
        case rejected(BudgetRejectionReason)
    }

    public let campaignId: String
    /// Set once *campaign planned* arrived.
    public var quarter: Quarter?
    /// Set once *campaign planned* arrived (nil in accounts kept before finance recorded channels).
    public var channel: Channel?
    public var requestedMinor: Int64?
    public var decision: Decision?
    public var spentMinor: Int64 = 0
    public var revenueMinor: Int64 = 0
    public var conversions: Int64 = 0
    /// Customers whose first purchase ever was attributed (last touch) to the campaign.
    public var newCustomers: Int64 = 0
    public var exceededReported = false
    public var completed = false
    /// What completion gave back to the quarter's envelope.
    public var releasedMinor: Int64 = 0
    /// What each model credited the campaign with; a model that never credited it is absent. Last
    /// touch's equals `revenueMinor` and `conversions` × 10,000.
    public var credited: [AttributionModel: CreditedFigures] = [:]

    public init(campaignId: String) { self.campaignId = campaignId }

    public var approvedMinor: Int64? {
        if case .approved(let amount) = decision { return amount }
        return nil
    }

    public func roiReport(currency: String) -> RoiReported {
        RoiReported(
            campaignId: campaignId, spend: MoneyTotal(amountMinor: spentMinor, currency: currency),
            revenue: MoneyTotal(amountMinor: revenueMinor, currency: currency), conversions: conversions,
            byModel: returns(currency: currency), newCustomers: newCustomers)
    }

    /// The campaign's revenue, conversions, ROI and ROAS under every model.
    public func returns(currency: String) -> [AttributionModel: ModelReturn] {
        Dictionary(
            uniqueKeysWithValues: AttributionModel.allCases.map { model in
                let figures = credited[model] ?? CreditedFigures()
                return (
                    model,
                    ModelReturn(
                        revenue: MoneyTotal(amountMinor: figures.revenueMinor, currency: currency),
                        conversionsBps: figures.conversionsBps, spendMinor: spentMinor)
                )
            })
    }
}

/// What one model credited a campaign with, summed over orders.
public struct CreditedFigures: Sendable, Equatable, Codable {
    /// Credited revenue, minor units.
    public var revenueMinor: Int64
    /// Credited conversions in basis points of an order (10,000 = one whole order).
    public var conversionsBps: Int64

    public init(revenueMinor: Int64 = 0, conversionsBps: Int64 = 0) {
        self.revenueMinor = revenueMinor
        self.conversionsBps = conversionsBps
    }
}

/// One quarter's envelope: what it holds, what approvals reserved (net of releases), what is left.
public struct EnvelopeStatus: Sendable, Equatable, Codable {
    public let quarter: Quarter
    public let envelope: Money
    public let reserved: MoneyTotal
    public let released: MoneyTotal
    public let remaining: Money
}
