import Foundation
import Logging
import TestSupport
import Testing
import TriadKafka

/// A stored row that no longer reads back (an old format, a hand edit) sets aside the events that
/// need it — dead-lettered with code unreadable-state — and everything else keeps flowing: the
/// process does not stop on it.
@Suite(.serialized) struct UnreadableStateTests {
    func spend(_ id: String, _ campaign: String, _ amount: Int) -> OutgoingMessage {
        OutgoingMessage(
            topic: "ads.spend", key: Array(campaign.utf8),
            value: Array(
                #"{"specversion":"1.0","id":"\#(id)","source":"/ads","type":"triad.ad-spend.reported","subject":"\#(campaign)","schemaversion":1,"data":{"campaignId":"\#(campaign)","amount":{"amountMinor":\#(amount),"currency":"EUR"}}}"#
                    .utf8),
            headers: [KafkaHeader("content-type", "application/cloudevents+json")])
    }

    @Test func anUnreadableRowDeadLettersItsEventsAndTheRestFlows() async throws {
        let logs = Paths.scratch("unreadable")
        let broker = try await LocalBroker.start(logDirectory: logs)
        let services = TriadServices(broker: broker, logs: logs)
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers), logger: Logger(label: "test"))
        do {
            try services.start(.finance)
            try await services.waitUntilReady()
            let finance = services.http(.finance)
            func spent(_ campaign: String) async throws -> Int? {
                (try await finance.get("/campaigns/\(campaign)/roi").object["spend"] as? [String: Any])?["amountMinor"]
                    as? Int
            }
            try await producer.send(all: [spend("s1", "bad", 10), spend("s2", "good", 10)])
            _ = try await eventually("both accounts", timeout: .seconds(60)) {
                let good = try await spent("good")
                let bad = try await spent("bad")
                return good == 10 && bad == 10 ? true : nil
            }
            #expect(await services.processes[.finance]!.stop() == 0)

            // The stored quarter of one account no longer reads back.
            let database = logs.appendingPathComponent("finance.sqlite").path
            let edit = try runToEnd(
                URL(fileURLWithPath: Paths.python),
                [
                    "-c",
                    "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute(\"UPDATE fin_accounts SET quarter='999-Q4' WHERE campaign_id='bad'\"); db.commit()",
                    database,
                ])
            #expect(edit.status == 0, "\(edit.output)")

            try services.start(.finance)
            try await services.waitUntilReady()
            try await producer.send(all: [spend("s3", "bad", 5), spend("s4", "good", 5)])
            _ = try await eventually("the good campaign's spend", timeout: .seconds(60)) {
                try await spent("good") == 15 ? true : nil
            }
            let letters = try await eventually("the dead letter", timeout: .seconds(30)) { () -> [ConsumedMessage]? in
                let found = try await TopicSnapshot.read(
                    topic: "finance.dead-letter",
                    configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers),
                    logger: Logger(label: "test"))
                return found.isEmpty ? nil : found
            }
            #expect(letters.count == 1)
            #expect(letters.first?.header("dead-letter-code")?.text == "unreadable-state")
            #expect(letters.first?.header("dead-letter-reason")?.text?.contains("bad") == true)
            #expect(services.processes[.finance]!.isRunning, "the consumer keeps running")
        } catch {
            print(services.logTail(.finance))
            await producer.shutdown()
            _ = await services.stopAll()
            await broker.stop()
            throw error
        }
        await producer.shutdown()
        #expect(await services.stopAll()[.finance] == 0)
        await broker.stop()
    }
}
