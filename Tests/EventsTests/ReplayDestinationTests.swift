import Testing
import TriadEvents

/// `triad dlq replay` sends a dead letter back only to a topic the service whose dead-letter topic
/// holds it consumes (`Topic.replayDestination`).
@Suite struct ReplayDestinationTests {
    func destination(_ service: Participant, _ headers: [String?]) -> Result<Topic, ReplayRefusal> {
        Topic.replayDestination(ofDeadLetterFrom: service, sourceTopics: headers)
    }

    @Test func aTopicTheServiceConsumesIsTheDestination() {
        for service in [Participant.marketing, .finance, .it] {
            for topic in Topic.consumed(by: service) {
                #expect(destination(service, [topic.name]) == .success(topic))
            }
        }
        #expect(destination(.finance, ["ads.spend"]) == .success(.adSpend))
        #expect(destination(.it, ["customer.interactions"]) == .success(.customerInteractions))
    }

    @Test func everyOtherTopicIsRefusedNamingIt() {
        let services = [Participant.marketing, .finance, .it]
        for service in services {
            let others =
                Topic.allCases.filter { !Topic.consumed(by: service).contains($0) }.map(\.name)
                + services.map(Topic.deadLetter(of:)) + ["", "?", "marketing.campaigns ", "no.such.topic"]
            for name in others {
                guard case .failure(let refusal) = destination(service, [name]) else {
                    Issue.record("\(service.rawValue) would replay to '\(name)'")
                    continue
                }
                #expect(refusal.description.contains("'\(name)'"), "\(refusal)")
                #expect(refusal.description.contains("does not consume"), "\(refusal)")
            }
        }
        // A forged letter on finance's dead-letter topic cannot publish a campaign event as marketing would.
        #expect(
            destination(.finance, ["finance.budget-decisions"])
                == .failure(
                    ReplayRefusal(
                        "its dead-letter-source-topic is 'finance.budget-decisions', a topic finance does not consume "
                            + "(it reads marketing.campaigns, ads.spend, it.attributions, it.insights)")))
    }

    @Test func aMissingUnreadableOrRepeatedHeaderIsRefused() {
        #expect(destination(.it, []) == .failure(ReplayRefusal("it has no dead-letter-source-topic header")))
        #expect(destination(.it, [nil]) == .failure(ReplayRefusal("its dead-letter-source-topic header is not UTF-8")))
        #expect(
            destination(.it, ["customer.interactions", "it.insights"])
                == .failure(ReplayRefusal("it has 2 dead-letter-source-topic headers; one is needed")))
    }
}
