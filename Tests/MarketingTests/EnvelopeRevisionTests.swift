import Marketing
import Testing
import TriadEvents

/// Marketing keeps the highest revision of a quarter's envelope, but takes one at most
/// `EnvelopeChanged.maximumRevisionStep` past what it holds: one forged event cannot pin the envelope.
@Suite struct EnvelopeRevisionTests {
    let desk = CampaignDesk()
    let quarter = Quarter(year: 2026, number: 4)

    func envelope(_ revision: Int64, reserved: Int64) -> DomainEvent {
        .envelopeChanged(
            EnvelopeChanged(
                quarter: quarter, envelope: Currency.euro.money(1_000_000), reserved: Currency.euro.total(reserved),
                released: Currency.euro.total(0), revision: revision))
    }

    @Test func aGenuineSequenceIsKeptWhateverOrderCopiesArriveIn() throws {
        var state = MarketingState()
        for (revision, reserved) in [(1, 100), (2, 300), (2, 300), (1, 100), (3, 350)] as [(Int64, Int64)] {
            #expect(try desk.apply(envelope(revision, reserved: reserved), to: &state).isEmpty)
        }
        #expect(state.envelope(quarter)?.revision == 3)
        #expect(state.envelope(quarter)?.reserved.amountMinor == 350)
        #expect(state.changedEnvelopes == [quarter])
    }

    @Test func aRevisionTooFarAheadIsRefusedAndTheSequenceGoesOn() throws {
        var state = MarketingState()
        _ = try desk.apply(envelope(1, reserved: 100), to: &state)
        // The forgery: revision 2^63−1 (the codec refuses it too), and one just past the step.
        for forged in [Int64.max, 1 + EnvelopeChanged.maximumRevisionStep + 1] {
            #expect(throws: EventRejection.self) { try desk.apply(envelope(forged, reserved: 0), to: &state) }
            do {
                _ = try desk.apply(envelope(forged, reserved: 0), to: &state)
            } catch {
                #expect(error.code == .ruleViolation)
                #expect(error.field == "revision")
                #expect(error.reason.contains("more than 1000 past revision 1"), "\(error)")
            }
        }
        #expect(state.envelope(quarter)?.revision == 1)
        // Finance's next change still lands, and a jump of exactly the step is taken.
        _ = try desk.apply(envelope(2, reserved: 200), to: &state)
        #expect(state.envelope(quarter)?.reserved.amountMinor == 200)
        _ = try desk.apply(envelope(2 + EnvelopeChanged.maximumRevisionStep, reserved: 250), to: &state)
        #expect(state.envelope(quarter)?.revision == 1002)
    }

    @Test func aQuarterNotSeenYetStartsFromZero() throws {
        var state = MarketingState()
        #expect(throws: EventRejection.self) {
            try desk.apply(envelope(EnvelopeChanged.maximumRevisionStep + 1, reserved: 0), to: &state)
        }
        #expect(state.envelope(quarter) == nil)
        _ = try desk.apply(envelope(EnvelopeChanged.maximumRevisionStep, reserved: 10), to: &state)
        #expect(state.envelope(quarter)?.revision == EnvelopeChanged.maximumRevisionStep)
    }

    @Test func theStoredRevisionIsWhatTheStepIsMeasuredFrom() throws {
        var state = MarketingState()
        guard case .envelopeChanged(let stored) = envelope(500, reserved: 5) else { return }
        state.know(storedEnvelopes: [stored])
        #expect(state.changedEnvelopes.isEmpty)
        #expect(throws: EventRejection.self) { try desk.apply(envelope(1501, reserved: 0), to: &state) }
        _ = try desk.apply(envelope(400, reserved: 0), to: &state)  // an old copy: nothing changes
        #expect(state.changedEnvelopes.isEmpty)
        _ = try desk.apply(envelope(1500, reserved: 7), to: &state)
        #expect(state.envelope(quarter)?.reserved.amountMinor == 7)
    }
}
