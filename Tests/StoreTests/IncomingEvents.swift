import TriadEvents

/// `event` as the pipeline hands it to a store once decoded: from `/tests`, about the event's subject,
/// read from partition 0 of `topic`.
func incoming(_ event: DomainEvent, id: String, topic: Topic, time: Timestamp? = nil) -> IncomingEvent {
    IncomingEvent(
        received: ReceivedEvent(
            envelope: EventEnvelope(
                id: id, source: "/tests", type: event.type, schemaVersion: 1, time: time,
                subject: event.payload.subject),
            event: event),
        topic: topic.name, partition: 0)
}
