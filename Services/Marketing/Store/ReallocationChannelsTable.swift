import Marketing
import TriadEvents
import TriadStorage

/// `mkt_reallocation_channels`: the channels of each quarter's proposal (`ReallocationsTable`), each
/// row with the revision it belongs to. A proposal's rows replace only those of a lower revision, and
/// a reader takes the rows of the revision `mkt_reallocations` holds: two transactions writing one
/// quarter at once never mix their channels.
enum ReallocationChannelsTable {
    static let table = Table(
        "mkt_reallocation_channels", key: 2,
        [
            .text("quarter"), .text("channel"), .integer("revision"), .integer("current_share_bps"),
            .integer("current_minor"), .integer("proposed_minor"),
            .integer("expected_current_minor", nullable: true), .integer("expected_proposed_minor", nullable: true),
            .integer("marginal_roas_bps", nullable: true), .text("reason"), .text("currency"),
        ])

    private static let quarter = table.field("quarter"), channel = table.field("channel")
    private static let revision = table.field("revision"), share = table.field("current_share_bps")
    private static let current = table.field("current_minor"), proposed = table.field("proposed_minor")
    private static let expectedCurrent = table.field("expected_current_minor")
    private static let expectedProposed = table.field("expected_proposed_minor")
    private static let roas = table.field("marginal_roas_bps"), reason = table.field("reason")
    private static let currency = table.field("currency")

    /// A proposal's channels are found by its quarter and revision.
    struct Key: Hashable {
        let quarter: Quarter
        let revision: Int64
    }

    static func save(_ proposals: [ReallocationProposed], in session: any SQLSession) throws {
        for proposal in proposals {
            try session.query(
                "DELETE FROM mkt_reallocation_channels WHERE quarter = ? AND revision < ?",
                [.text(proposal.quarter.description), .integer(proposal.revision)])
        }
        try table.insert(
            proposals.flatMap { p in
                p.channels.map { c in
                    [
                        .text(p.quarter.description), .text(c.channel.rawValue), .integer(p.revision),
                        .integer(c.currentShareBps), .integer(c.current.amountMinor), .integer(c.proposed.amountMinor),
                        SQLValue(c.expectedRevenueCurrent?.amountMinor),
                        SQLValue(c.expectedRevenueProposed?.amountMinor), SQLValue(c.marginalRoasBps),
                        .text(c.reason.rawValue), .text(c.proposed.currency),
                    ]
                }
            }, onConflict: .replaceWhere("excluded.revision > mkt_reallocation_channels.revision"), in: session)
    }

    /// The channels of every stored revision of `quarters` (all quarters when nil), in channel order.
    static func channels(of quarters: [Quarter]?, in session: any SQLSession) throws -> [Key: [ChannelAllocation]] {
        let rows = try quarters.map { try table.rows($0.map(\.description), in: session) } ?? table.all(in: session)
        var channels: [Key: [ChannelAllocation]] = [:]
        for row in rows {
            guard let quarter = row.text(Self.quarter).flatMap(Quarter.init),
                let channel = row.text(Self.channel).flatMap(Channel.init(rawValue:)),
                let revision = row.integer(Self.revision), let currency = row.text(Self.currency),
                let reason = row.text(Self.reason).flatMap(AllocationReason.init(rawValue:))
            else { continue }
            let money = { (minor: Int64) in Money(amountMinor: minor, currency: currency) }
            channels[Key(quarter: quarter, revision: revision), default: []].append(
                ChannelAllocation(
                    channel: channel, currentShareBps: row.integer(Self.share) ?? 0,
                    current: money(row.integer(Self.current) ?? 0), proposed: money(row.integer(Self.proposed) ?? 0),
                    expectedRevenueCurrent: row.integer(Self.expectedCurrent).map(money),
                    expectedRevenueProposed: row.integer(Self.expectedProposed).map(money),
                    marginalRoasBps: row.integer(Self.roas), reason: reason))
        }
        let order = Dictionary(uniqueKeysWithValues: Channel.allCases.enumerated().map { ($1, $0) })
        return channels.mapValues { $0.sorted { order[$0.channel, default: 0] < order[$1.channel, default: 0] } }
    }
}
