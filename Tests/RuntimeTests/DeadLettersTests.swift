import Crypto
import Foundation
import Logging
import Testing
import TriadEvents
import TriadKafka
import TriadStorage

@testable import TriadRuntime

/// A dead letter always fits the broker, however large or odd the original was.
@Suite struct DeadLettersTests {
    let deadLetters = DeadLetters(service: .it, metrics: ServiceMetrics(), logger: Logger(label: "test"))

    func message(value: [UInt8], key: [UInt8]? = Array("k".utf8), headers: [KafkaHeader] = []) -> ConsumedMessage {
        ConsumedMessage(
            topic: "customer.interactions", partition: 3, offset: 42, key: key, value: value, headers: headers,
            timestampMilliseconds: nil)
    }

    func header(_ letter: OutboxMessage, _ name: String) -> String? {
        letter.headers.first { $0.name == name }.map { String(decoding: $0.value, as: UTF8.self) }
    }

    @Test func aValueUpToTheLimitIsKeptWhole() {
        let value = [UInt8](repeating: 7, count: DeadLetters.maxValueBytes)
        let letter = deadLetters.outboxMessage(
            for: message(value: value), rejection: EventRejection(.malformedEvent, "bad"))
        #expect(letter.value == value)
        #expect(header(letter, DeadLetterHeader.originalBytes) == nil)
        #expect(header(letter, DeadLetterHeader.originalSHA256) == nil)
        #expect(letter.topic == "it.dead-letter")
        #expect(header(letter, DeadLetterHeader.sourceTopic) == "customer.interactions")
        #expect(header(letter, DeadLetterHeader.sourcePartition) == "3")
        #expect(header(letter, DeadLetterHeader.sourceOffset) == "42")
        #expect(header(letter, DeadLetterHeader.code) == "malformed-event")
    }

    @Test func aLargerValueLeavesAnExcerptWithItsSizeAndHash() {
        let value = (0..<(DeadLetters.maxValueBytes + 1)).map { UInt8(truncatingIfNeeded: $0 * 31) }
        let letter = deadLetters.outboxMessage(
            for: message(value: value), rejection: EventRejection(.malformedEvent, "bad"))
        #expect(letter.value == Array(value.prefix(DeadLetters.maxValueBytes)))
        #expect(header(letter, DeadLetterHeader.originalBytes) == String(DeadLetters.maxValueBytes + 1))
        let hash = SHA256.hash(data: value).map { String(format: "%02x", $0) }.joined()
        #expect(header(letter, DeadLetterHeader.originalSHA256) == hash)
    }

    @Test func reasonsKeysAndCopiedHeadersAreBounded() {
        let reason = EventRejection(.invalidData, field: "id", String(repeating: "é", count: 5_000))
        let headers = (0..<40).map { KafkaHeader("h\($0)", [UInt8](repeating: 65, count: 1_000)) }
        let key = [UInt8](repeating: 66, count: 5_000)
        let letter = deadLetters.outboxMessage(for: message(value: [1], key: key, headers: headers), rejection: reason)
        let text = header(letter, DeadLetterHeader.reason) ?? ""
        #expect(text.utf8.count <= DeadLetters.maxHeaderValueBytes && text.hasSuffix("…"))
        #expect(text.hasPrefix("invalid-data"), "\(text.prefix(40))")
        #expect(letter.key?.count == DeadLetters.maxHeaderValueBytes)
        let copied = letter.headers.filter { $0.name.hasPrefix("h") }
        #expect(copied.count == 16, "whole headers up to 16 KiB in all, in order")
        #expect(copied.map(\.name) == (0..<16).map { "h\($0)" })
        #expect(copied.reduce(0) { $0 + $1.name.utf8.count + $1.value.count } <= DeadLetters.maxOriginalHeaderBytes)
    }
}
