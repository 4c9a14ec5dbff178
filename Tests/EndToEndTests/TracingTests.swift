import Foundation
import TestSupport
import Testing

/// The three service processes export their spans over OTLP/HTTP to a receiver this test starts
/// (scripts/otlp_receiver.py, reading the protobuf bodies with the OpenTelemetry project's own
/// message definitions): one purchase is one trace from IT through finance to marketing, with each
/// span the child of the one before, and the coalesced ROI report links back to it.
@Suite(.serialized) struct TracingTests {
    struct Span {
        let service: String, name: String, kind: String, traceId: String, spanId: String, parentSpanId: String
        let links: [(traceId: String, spanId: String)]
        let attributes: [String: Any]

        init(_ object: [String: Any]) {
            service = object["service"] as? String ?? ""
            name = object["name"] as? String ?? ""
            kind = object["kind"] as? String ?? ""
            traceId = object["traceId"] as? String ?? ""
            spanId = object["spanId"] as? String ?? ""
            parentSpanId = object["parentSpanId"] as? String ?? ""
            links = (object["links"] as? [[String: Any]] ?? []).map {
                ($0["traceId"] as? String ?? "", $0["spanId"] as? String ?? "")
            }
            attributes = object["attributes"] as? [String: Any] ?? [:]
        }
    }

    @Test func onePurchaseIsOneTraceAcrossTheServices() async throws {
        let logs = Paths.scratch("tracing")
        let (receiver, receiverPort) = try await startOnFreePort(
            "the OTLP receiver",
            launch: { port in
                try ManagedProcess(
                    name: "otlp-receiver", executable: URL(fileURLWithPath: Paths.python),
                    arguments: [
                        Paths.root.appendingPathComponent("scripts/otlp_receiver.py").path, "--port", String(port),
                    ],
                    logDirectory: logs)
            }, answers: { await HTTPJSON(port: $0).status("/spans") == 200 },
            exited: { ReceiverExited(log: $0) })
        let collector = HTTPJSON(port: receiverPort)
        let exporting = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(receiverPort)", "OTEL_BSP_SCHEDULE_DELAY": "100",
        ]
        let statuses: [TriadServices.Name: Int32]
        do {
            statuses = try await TriadServices.play(
                logs: logs, environment: [.marketing: exporting, .finance: exporting, .it: exporting],
                onFailure: { print("--- receiver ---\n\(receiver.output)") }
            ) { try await play($0, collector: collector, logs: logs) }
        } catch {
            _ = await receiver.stop()
            throw error
        }
        _ = await receiver.stop()
        #expect(statuses == [.marketing: 0, .finance: 0, .it: 0])
        // The report rounds took every link the event transactions recorded.
        for name in ["it", "finance"] {
            let database = logs.appendingPathComponent("\(name).sqlite").path
            let (status, count) = try runToEnd(
                URL(fileURLWithPath: Paths.python),
                [
                    "-c",
                    "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM report_links').fetchone()[0])",
                    database,
                ])
            #expect(status == 0 && count.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(name): \(count)")
        }
    }

    func play(_ suite: TriadServices, collector: HTTPJSON, logs: URL) async throws {
        let marketing = suite.http(.marketing)
        let brokers = suite.broker.bootstrapServers

        // A plan that comes with the caller's trace: the request's server span continues it.
        let callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
        let callerSpan = "00f067aa0ba902b7"
        let plan =
            #"{"id":"c-search","name":"Autumn search","channel":"search","segment":"loyal","requestedBudget":{"amountMinor":1000000,"currency":"EUR"},"startDate":"2026-10-01","endDate":"2026-12-31","targetRoiBps":2000}"#
        let planned = try await marketing.send(
            "POST", "/campaigns", body: Data(plan.utf8), headers: ["traceparent": "00-\(callerTrace)-\(callerSpan)-01"])
        #expect(planned.status == 201, "\(planned.text)")
        _ = try await eventually("the budget decision") {
            try await marketing.get("/campaigns/c-search").object["status"] as? String == "approved" ? true : nil
        }
        #expect(try await marketing.post("/campaigns/c-search/launch").status == 200)

        // A click, then the purchase it earns; and a refused event that names its trace in a header.
        let deadTrace = "0af7651916cd43dd8448eb211c80319c"
        let interactions = logs.appendingPathComponent("interactions.jsonl")
        try [
            #"{"specversion":"1.0","id":"tr-click","source":"/shop/trace","type":"triad.customer.interaction","subject":"cust-t","schemaversion":1,"data":{"customerId":"cust-t","kind":"click","occurredAt":"2026-10-05T10:00:00Z","campaignId":"c-search","channel":"search","segment":"loyal"}}"#,
            #"{"specversion":"1.0","id":"tr-purchase","source":"/shop/trace","type":"triad.customer.interaction","subject":"cust-t","schemaversion":1,"data":{"customerId":"cust-t","kind":"purchase","occurredAt":"2026-10-06T10:00:00Z","orderId":"o-t","revenue":{"amountMinor":400000,"currency":"EUR"},"segment":"loyal"}}"#,
        ].joined(separator: "\n").write(to: interactions, atomically: true, encoding: .utf8)
        try publishWithPython(brokers: brokers, topic: "customer.interactions", file: interactions)
        let poison = logs.appendingPathComponent("poison.jsonl")
        try
            #"{"specversion":"1.0","id":"tr-poison","source":"/shop/trace","type":"triad.customer.interaction","subject":"cust-p","schemaversion":1,"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","data":{"customerId":"cust-p","kind":"purchase","occurredAt":"2026-10-06T10:00:00Z","orderId":"o-p","revenue":{"amountMinor":1,"currency":"USD"},"segment":"loyal"}}"#
            .write(to: poison, atomically: true, encoding: .utf8)
        try publishWithPython(brokers: brokers, topic: "customer.interactions", file: poison, mode: "binary")

        // Marketing handles the ROI report that counts the purchase: by then every span of the
        // purchase's trace has been handled; wait for them, and the refused event's, to be exported.
        let spans = try await eventually("the purchase's spans in all three services", timeout: .seconds(60)) {
            () -> [Span]? in
            let all = ((try? await collector.get("/spans").json) as? [[String: Any]] ?? []).map(Span.init)
            guard let purchase = all.first(where: { $0.attributes["messaging.message.id"] as? String == "tr-purchase" })
            else { return nil }
            let trace = all.filter { $0.traceId == purchase.traceId }
            let refused = all.contains { $0.traceId == deadTrace && $0.attributes["triad.rejection.code"] != nil }
            return refused
                && trace.contains(where: {
                    $0.service == "marketing-service" && $0.name == "process triad.roi.reported"
                }) ? all : nil
        }

        func one(_ service: String, _ name: String, in trace: String, parent: Span? = nil) throws -> Span {
            let found = spans.filter {
                $0.service == service && $0.name == name && $0.traceId == trace
                    && (parent == nil || $0.parentSpanId == parent!.spanId)
            }
            return try #require(
                found.first,
                "\(service) span '\(name)' in trace \(trace) under \(parent?.name ?? "any parent"): \(spans.filter { $0.traceId == trace }.map { "\($0.service) \($0.name) \($0.spanId)<-\($0.parentSpanId)" })"
            )
        }
        let purchase = try #require(spans.first { $0.attributes["messaging.message.id"] as? String == "tr-purchase" })
        let trace = purchase.traceId
        #expect(
            purchase.service == "it-service" && purchase.name == "process triad.customer.interaction"
                && purchase.kind == "consumer")
        #expect(purchase.parentSpanId == "", "the shop sent no trace: the purchase starts one")
        let attributed = try one("it-service", "send it.attributions", in: trace, parent: purchase)
        #expect(attributed.kind == "producer")
        let booked = try one("finance-service", "process triad.conversion.attributed", in: trace, parent: attributed)
        // The purchase also acquired its customer, which finance counts in the same report: the
        // report's parent is whichever of the two it applied last, and it links to the revenue.
        let acquired = try one("finance-service", "process triad.customer.acquired", in: trace)
        // Finance may apply the acquisition first and report once for it alone, then again with
        // the revenue: the report that summarises the conversion links to it.
        let report = try #require(
            spans.first {
                $0.service == "finance-service" && $0.name == "report triad.roi.reported" && $0.traceId == trace
                    && [booked.spanId, acquired.spanId].contains($0.parentSpanId)
                    && $0.links.contains { $0.traceId == trace && $0.spanId == booked.spanId }
            },
            "finance's ROI report in trace \(trace), under the conversion or the acquisition, linking to the revenue")
        let published = try one("finance-service", "send finance.roi", in: trace, parent: report)
        _ = try one("marketing-service", "process triad.roi.reported", in: trace, parent: published)
        // IT's coalesced performance report links to the purchase too.
        let performance = spans.filter {
            $0.service == "it-service" && $0.name == "report triad.campaign-performance.reported"
        }
        #expect(performance.contains { $0.links.contains { $0.traceId == trace && $0.spanId == purchase.spanId } })
        // The batch has a span of its own, its storage transaction a child span, and each message's
        // span links to its batch.
        let batches = Set(spans.filter { $0.service == "it-service" && $0.name == "triad.batch" }.map(\.spanId))
        #expect(!batches.isEmpty)
        #expect(
            spans.contains {
                $0.service == "it-service" && $0.name == "triad.transaction" && batches.contains($0.parentSpanId)
            })
        #expect(purchase.links.contains { batches.contains($0.spanId) }, "\(purchase.links)")

        // The HTTP request's server span continues the caller's trace, and the plan it emits
        // reaches finance in that trace.
        let request = try one("marketing-service", "/campaigns", in: callerTrace)
        #expect(request.kind == "server" && request.parentSpanId == callerSpan)
        let sent = try one("marketing-service", "send marketing.campaigns", in: callerTrace, parent: request)
        _ = try one("finance-service", "process triad.campaign.planned", in: callerTrace, parent: sent)

        // The dead-lettered message's span is in the trace its header named, and so is its log line.
        let refused = spans.filter {
            $0.service == "it-service" && $0.traceId == deadTrace && $0.name.hasPrefix("process ")
        }
        #expect(
            !refused.isEmpty
                && refused.allSatisfy { $0.attributes["triad.rejection.code"] as? String == "wrong-currency" },
            "\(refused.map(\.name))")
        let deadLog = suite.logTail(.it, lines: 400).split(separator: "\n").filter { $0.contains("dead-lettered") }
        #expect(deadLog.contains { $0.contains(deadTrace) }, "\(deadLog)")
    }
}

struct ReceiverExited: Error, CustomStringConvertible {
    let log: String
    var description: String { "the OTLP receiver exited:\n\(log)" }
}
