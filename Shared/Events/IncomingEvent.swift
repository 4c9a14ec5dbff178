/// An event of a batch, with the partition it came from (state is owned by the partition key).
public struct IncomingEvent: Sendable {
    public let received: ReceivedEvent
    public let topic: String
    public let partition: Int32

    public init(received: ReceivedEvent, topic: String, partition: Int32) {
        self.received = received
        self.topic = topic
        self.partition = partition
    }

    public var event: DomainEvent { received.event }
}
