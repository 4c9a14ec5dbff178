import TriadEvents

/// IT's notice that `customer` of `segment` is at risk, as marketing receives it.
func churnRiskDetected(
    _ customer: String, _ segment: String, at time: Timestamp, reason: ChurnRiskReason = .unsubscribed
) -> DomainEvent {
    .churnRiskDetected(
        ChurnRiskDetected(
            customerId: customer, segment: segment, reason: reason, lastActivityAt: nil, detectedAt: time))
}
