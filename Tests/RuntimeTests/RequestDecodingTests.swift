import Foundation
import Marketing
import TestSupport
import Testing
import TriadEvents
import TriadRuntime

/// The HTTP body decoder on 100,000 random mutations of a valid `POST /campaigns` body: none traps,
/// every refusal names the field (as the client wrote it) or the body as a whole.
@Suite struct RequestDecodingTests {
    static let body =
        #"{"id":"c-1","name":"Search","channel":"search","segment":"young","requestedBudget":{"amountMinor":1000000,"currency":"EUR"},"startDate":"2026-10-01","endDate":"2026-12-31","targetRoiBps":2000}"#
    let rules = ValidationRules(currency: .euro)

    func outcome(_ bytes: [UInt8]) -> Result<CampaignPlanned, EventRejection> {
        Result { () throws(EventRejection) in
            try decodeRequestBody(CampaignPlanRequest.self, from: bytes).planned(defaultId: "generated", rules: rules)
        }
    }

    @Test func numbersThatDoNotFitNameTheirField() {
        for (from, to, field) in [
            ("2000", "1.5", "targetRoiBps"), ("2000", "99999999999999999999", "targetRoiBps"),
            ("1000000", "-1e19", "requestedBudget.amountMinor"),
            ("1000000", "1000000000000001", "requestedBudget.amountMinor"),
            (#""c-1""#, #""c\u00001""#, "id"), (#""2026-10-01""#, #""2026-02-30""#, "startDate"),
        ] {
            let result = outcome(Array(Self.body.replacingOccurrences(of: from, with: to).utf8))
            guard case .failure(let rejection) = result else {
                Issue.record("\(to) was accepted")
                continue
            }
            #expect(rejection.field == field, "\(to): \(rejection)")
        }
        #expect(throws: Never.self) { try outcome(Array(Self.body.utf8)).get() }
    }

    @Test func randomMutationsNeverTrapAndAlwaysSayWhere() {
        var random = SeededRandom(seed: 20_261_130)
        var refused = 0
        for _ in 0..<100_000 {
            let bytes = random.mutate(Array(Self.body.utf8))
            guard case .failure(let rejection) = outcome(bytes) else { continue }
            refused += 1
            let named = rejection.field != nil || rejection.reason.hasPrefix("value")
            #expect(named, "\(String(decoding: bytes, as: UTF8.self)) -> \(rejection)")
            if !named { return }
        }
        #expect(refused > 50_000, "most mutations break the body")
    }
}
