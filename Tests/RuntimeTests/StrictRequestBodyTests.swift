import Foundation
import Marketing
import Testing
import TriadEvents
import TriadRuntime

/// HTTP request bodies are held to the same strict JSON as events: a body that is not strict JSON
/// is a 400 `invalid-request` naming the member where the problem is.
@Suite struct StrictRequestBodyTests {
    static let body =
        #"{"id":"c-1","name":"Search","channel":"search","segment":"young","requestedBudget":{"amountMinor":1000000,"currency":"EUR"},"startDate":"2026-10-01","endDate":"2026-12-31","targetRoiBps":2000}"#

    func refusal(_ bytes: [UInt8]) -> APIError? {
        do {
            _ = try decodeJSON(CampaignPlanRequest.self, from: bytes)
            Issue.record("accepted: \(String(decoding: bytes, as: UTF8.self))")
            return nil
        } catch {
            return error
        }
    }

    @Test func bodiesThatAreNotStrictJSONAreRefusedNamingTheMember() {
        let body = Array(Self.body.utf8)
        func with(_ member: [UInt8]) -> [UInt8] { Array(body.dropLast()) + Array(",".utf8) + member + Array("}".utf8) }
        // An overlong `"` (0xC0 0xA2) inside the name "Search".
        var overlongInName = body
        overlongInName.insert(contentsOf: [0xC0, 0xA2], at: body.firstIndex(of: UInt8(ascii: "S"))! + 1)
        let cases: [([UInt8], String?, String)] = [
            (
                with(Array(#""id":"c-2""#.utf8)), "id",
                "appears more than once in its object; duplicate member names are refused"
            ),
            (
                Array(
                    Self.body.replacingOccurrences(
                        of: #""currency":"EUR""#, with: #""currency":"EUR","currency":"USD""#
                    ).utf8),
                "requestedBudget.currency", "appears more than once in its object; duplicate member names are refused"
            ),
            (
                Array(Self.body.replacingOccurrences(of: #""young""#, with: #""yo\qung""#).utf8), "segment",
                #"the escape \q"#
            ),
            (
                Array(Self.body.replacingOccurrences(of: #""young""#, with: "\"yo\u{1}ung\"").utf8), "segment",
                "raw control character"
            ),
            (overlongInName, "name", "not UTF-8"),
            (with(Array(#""note":1-2"#.utf8)), "note", "after the value"),
            (with(Array(#""note":.e"#.utf8)), "note", "where a value should be"),
            (body + Array("x".utf8), nil, "after the end of the value"),
        ]
        for (bytes, field, reason) in cases {
            guard let error = refusal(bytes) else { continue }
            #expect(error.code == "invalid-request", "\(error.code): \(error.reason)")
            #expect(error.field == field, "\(String(describing: error.field)): \(error.reason)")
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
        // A number past a float's range names its field as a rule of the catalog does.
        let huge = refusal(Array(Self.body.replacingOccurrences(of: "2000", with: "1e400").utf8))
        #expect(huge?.field == "targetRoiBps" && huge?.code == "invalid-data", "\(String(describing: huge?.reason))")
        #expect(throws: Never.self) { try decodeJSON(CampaignPlanRequest.self, from: body) }
    }
}
