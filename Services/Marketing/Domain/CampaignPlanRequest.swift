import TriadEvents

/// The body of `POST /campaigns`. `id` is optional: the caller gives one when absent.
public struct CampaignPlanRequest: Decodable, Sendable, Equatable {
    public let id: String?
    public let name: String
    public let channel: Channel
    public let segment: String
    public let requestedBudget: Money
    public let startDate: CalendarDate
    public let endDate: CalendarDate
    public let targetRoiBps: Int64

    /// The event it asks for, checked with the catalog's rules; a refusal names the field as the
    /// client sent it (`id`, not the event's `campaignId`).
    public func planned(defaultId: @autoclosure () -> String, rules: ValidationRules) throws(EventRejection)
        -> CampaignPlanned
    {
        let planned = CampaignPlanned(
            campaignId: id ?? defaultId(), name: name, channel: channel, segment: segment,
            requestedBudget: requestedBudget,
            startDate: startDate, endDate: endDate, targetRoiBps: targetRoiBps)
        do {
            try planned.validate(rules)
        } catch {
            throw error.field == "campaignId" ? EventRejection(error.code, field: "id", error.reason) : error
        }
        return planned
    }
}
