import TriadEvents

/// The briefing's campaign advice under every rule-based model: a live campaign's *scale* and
/// *pause* rules tried on its ROI under each, so the board sees which advice survives a change of
/// model. Comparisons are exact integer arithmetic.
extension BriefingPolicy {
    /// *scale*: ROI at or over the target, spend under `scaleMaxSpendPercent` of the approved budget.
    func scales(roiBps: Int64, targetRoiBps: Int64, spendMinor: Int64, approvedMinor: Int64) -> Bool {
        roiBps >= targetRoiBps && Ratios.isBelow(spendMinor, percent: scaleMaxSpendPercent, of: approvedMinor)
    }

    /// *pause*: ROI below 0, spend at or over `pauseMinSpendPercent` of the approved budget.
    func pauses(roiBps: Int64, spendMinor: Int64, approvedMinor: Int64) -> Bool {
        roiBps < 0 && !Ratios.isBelow(spendMinor, percent: pauseMinSpendPercent, of: approvedMinor)
    }

    /// For a live campaign, each campaign action with the models (in order) under whose ROI its rule
    /// fires, those that fire under none left out; nothing for a campaign not live.
    func campaignAdvice(_ line: Briefing.CampaignLine) -> [(action: Briefing.Action, holdsUnder: [AttributionModel])] {
        guard line.status == .live else { return [] }
        let spend = line.spend.amountMinor
        let approved = line.approvedBudget.amountMinor
        let rules: [(Briefing.Action, (Int64) -> Bool)] = [
            (
                .scale,
                { scales(roiBps: $0, targetRoiBps: line.targetRoiBps, spendMinor: spend, approvedMinor: approved) }
            ),
            (.pause, { pauses(roiBps: $0, spendMinor: spend, approvedMinor: approved) }),
        ]
        return rules.compactMap { action, fires in
            let models = AttributionModel.allCases.filter { model in
                (line.roiByModel[model] ?? nil).map(fires) ?? false
            }
            return models.isEmpty ? nil : (action, models)
        }
    }
}

extension Briefing {
    /// How a reason is worded: ratios in basis points as the API gives them (the JSON `reason`), or
    /// as percentages, as the page and `triad briefing` speak them.
    public enum Wording: Sendable {
        case basisPoints
        case percentages
    }
}

extension Briefing.Grounds {
    /// Why `action` is advised, worded from these grounds.
    public func reason(for action: Briefing.Action, _ wording: Briefing.Wording) -> String {
        let ratio = { (bps: Int64) in wording == .basisPoints ? "\(bps) bps" : BoardFigures.percent(bps) }
        let share = { (percent: Int64) in wording == .basisPoints ? "\(percent)%" : "\(percent) %" }
        switch action {
        case .scale:
            return "ROI \(ratio(roiBps ?? 0)) meets the \(ratio(targetRoiBps ?? 0)) target with spend under "
                + "\(share(spendPercent ?? 0)) of budget"
        case .pause:
            return "ROI \(ratio(roiBps ?? 0)) is negative with spend at or over \(share(spendPercent ?? 0)) of budget"
        case .retentionCampaign:
            let count = wording == .basisPoints ? "\(customers ?? 0)" : BoardFigures.grouped(customers ?? 0)
            return "\(count) customers at churn risk (threshold \(threshold ?? 0))"
        }
    }
}
