import Testing
import TriadEvents

@testable import TriadRuntime

/// The ids of events a service emits are derived from their cause's source and id, and always fit
/// the identifier limit every consumer checks, however long the cause's own are.
@Suite struct DerivedIdTests {
    @Test func aShortCauseNamesItself() {
        #expect(EventPublisher.derivedId(source: "/shop", id: "e-1", index: 2) == "/shop#e-1:2")
    }

    @Test func aLongCauseIsNamedByItsDigestTheSameEveryTime() {
        let source = "/" + String(repeating: "s", count: 199)
        let id = String(repeating: "i", count: 200)
        let first = EventPublisher.derivedId(source: source, id: id, index: 0)
        #expect(first.hasPrefix("sha256:") && first.hasSuffix(":0"))
        #expect(first.utf8.count == "sha256:".count + 64 + 2)
        #expect(first.utf8.count <= ValidationRules.identifierMaxBytes)
        #expect(EventPublisher.derivedId(source: source, id: id, index: 0) == first)
        #expect(EventPublisher.derivedId(source: source, id: id, index: 1) == String(first.dropLast()) + "1")
        #expect(EventPublisher.derivedId(source: source, id: id + "j", index: 0) != first)
        // Exactly at the limit: still plain.
        let fits = String(repeating: "i", count: 200 - "/s#:0".count)
        #expect(EventPublisher.derivedId(source: "/s", id: fits, index: 0) == "/s#\(fits):0")
    }
}
