import Foundation
import Logging
import TestSupport
import Testing
import TriadKafka

/// Storage stays bounded: with a short dedupe window, the ids of applied events are pruned once
/// past it (the table shrinks back to empty), and an event delivered again after that is applied
/// again, as documented.
@Suite(.serialized) struct RetentionTests {
    @Test func appliedEventIdsArePrunedOncePastTheDedupeWindow() async throws {
        let logs = Paths.scratch("retention")
        let broker = try await LocalBroker.start(logDirectory: logs)
        let services = TriadServices(broker: broker, logs: logs)
        do {
            try services.start(.it, environment: ["TRIAD_DEDUPE_WINDOW_SECONDS": "2"])
            try await services.waitUntilReady()
            let it = services.http(.it)
            let events = Workload(size: 3_000, prefix: "ret").messages.filter { $0.topic == "customer.interactions" }
            let producer = try KafkaProducer(
                configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers),
                logger: .init(label: "test"))
            func publish(_ messages: ArraySlice<Workload.Message>) async throws {
                try await producer.send(
                    all: messages.map {
                        OutgoingMessage(
                            topic: $0.topic, key: Array($0.key.utf8), value: $0.value,
                            headers: [KafkaHeader("content-type", "application/cloudevents+json")])
                    })
            }
            func metric(_ name: String) async throws -> Int {
                try await it.get("/metrics").text.split(separator: "\n").filter {
                    $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{")
                }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) }.map(Int.init) }.reduce(0, +)
            }
            try await publish(events[...])
            _ = try await eventually("every event applied", timeout: .seconds(60)) {
                try await metric("triad_events_consumed_total") == events.count ? true : nil
            }
            _ = try await eventually("the ids pruned", timeout: .seconds(30), every: .milliseconds(250)) {
                try await metric("triad_pruned_total{table=\"applied_events\"}") == events.count ? true : nil
            }
            _ = try await eventually("the table empty", timeout: .seconds(10), every: .milliseconds(250)) {
                try await metric("triad_applied_event_ids") == 0 ? true : nil
            }

            // Delivered again after the window: applied again, not absorbed as a redelivery.
            try await publish(events.prefix(10))
            _ = try await eventually("the repeats applied", timeout: .seconds(30)) {
                try await metric("triad_events_consumed_total") == events.count + 10 ? true : nil
            }
            #expect(try await metric("triad_redeliveries_absorbed_total") == 0)
        } catch {
            print(services.logTail(.it))
            _ = await services.stopAll()
            await broker.stop()
            throw error
        }
        #expect(await services.stopAll()[.it] == 0)
        await broker.stop()
    }
}
