import Testing

@testable import TriadKafka

/// The consumer's state machine on its own: no broker, no threads; waiters are names.
@Suite struct ConsumerStateMachineTests {
    typealias Machine = KafkaConsumer.StateMachine<String>

    static func messages(_ offsets: Range<Int64>, partition: Int32 = 0) -> [ConsumedMessage] {
        offsets.map {
            ConsumedMessage(
                topic: "t", partition: partition, offset: $0, key: nil, value: [], headers: [],
                timestampMilliseconds: nil)
        }
    }

    static let work: KafkaConsumer.Work = { {} }

    /// A started machine with `count` batches handed out (ids 0…), collected before any is worked:
    /// it lets three batches ahead of the work lane, so the other rules are seen on their own
    /// (`theNextBatchIsCollectedWhenTheWorkLaneTakesThePreviousOne` tests the default of one).
    static func consuming(batches count: Int, aheadOfWork: Int = 3) -> Machine {
        var machine = Machine(maxAheadOfWork: aheadOfWork)
        machine.start()
        for index in 0..<count {
            guard case .poll(let generation) = machine.nextPollAction() else {
                Issue.record("expected a poll")
                return machine
            }
            _ = machine.collected(messages(Int64(index * 10)..<Int64(index * 10 + 10)), generation: generation)
        }
        return machine
    }

    /// Takes `lane`'s next step as a lane would, and returns its batch (nil: parked or ended).
    static func take(_ lane: KafkaConsumer.Lane, from machine: inout Machine) -> Int? {
        guard case .run(let step, _) = machine.take(lane, waiter: "\(lane)") else { return nil }
        return step.batch
    }

    static func commits(_ action: Machine.RevokeAction) -> Bool {
        if case .commit = action { true } else { false }
    }

    /// Runs batch `id` through all three lanes.
    static func finish(_ id: Int, in machine: inout Machine) -> Machine.Effects {
        #expect(take(.prepare, from: &machine) == id)
        _ = machine.prepared(id, work: work)
        #expect(take(.work, from: &machine) == id)
        _ = machine.worked(id, confirmation: {})
        #expect(take(.confirm, from: &machine) == id)
        return machine.confirmed(id)
    }

    @Test func eachLaneTakesBatchesInOrderAndAParkedLaneIsHandedTheNextOne() {
        var machine = Self.consuming(batches: 2)
        #expect(Self.take(.work, from: &machine) == nil, "nothing prepared yet: the work lane parks")
        #expect(Self.take(.prepare, from: &machine) == 0)
        #expect(Self.take(.prepare, from: &machine) == 1)
        let effects = machine.prepared(0, work: Self.work)
        #expect(effects.resume.map(\.waiter) == ["work"])
        #expect(effects.resume.first?.step?.batch == 0)
        _ = machine.prepared(1, work: Self.work)
        _ = machine.worked(0, confirmation: {})
        #expect(Self.take(.confirm, from: &machine) == 0)
        #expect(Self.take(.work, from: &machine) == 1, "the work lane, done with batch 0, takes batch 1")
    }

    @Test func thePollThreadWaitsWhileThreeBatchesAreInFlightUntilTheOldestIsConfirmed() {
        var machine = Self.consuming(batches: 3)
        guard case .wait = machine.nextPollAction() else {
            Issue.record("a fourth batch is not collected")
            return
        }
        let effects = Self.finish(0, in: &machine)
        #expect(effects.wakePollThread)
        #expect(effects.released.map(\.id) == [0], "the finished batch is freed by the caller, outside the lock")
        guard case .poll = machine.nextPollAction() else {
            Issue.record("room for the next batch")
            return
        }
        #expect(!Self.finish(1, in: &machine).wakePollThread, "the poll thread was not waiting")
    }

    @Test func theNextBatchIsCollectedWhenTheWorkLaneTakesThePreviousOne() {
        var machine = Self.consuming(batches: 1, aheadOfWork: 1)
        guard case .wait = machine.nextPollAction() else {
            Issue.record("batch 0 waits for the work lane: no second batch yet")
            return
        }
        #expect(Self.take(.prepare, from: &machine) == 0)
        #expect(!machine.prepared(0, work: Self.work).wakePollThread, "prepared, but not taken by the work lane")
        guard case .run(let step, let wakes) = machine.take(.work, waiter: "work") else {
            Issue.record("the work lane takes batch 0")
            return
        }
        #expect(step.batch == 0)
        #expect(wakes, "the waiting poll thread is woken as the work lane takes batch 0")
        guard case .poll(let generation) = machine.nextPollAction() else {
            Issue.record("batch 1 is collected while batch 0 works")
            return
        }
        _ = machine.collected(Self.messages(10..<20), generation: generation)
        guard case .wait = machine.nextPollAction() else {
            Issue.record("batch 1 waits for the work lane: no third batch yet")
            return
        }
        // The work lane parks for batch 1; when it is prepared, the lane is handed it and the poll
        // thread is woken with it.
        _ = machine.worked(0, confirmation: {})
        #expect(Self.take(.work, from: &machine) == nil)
        #expect(Self.take(.prepare, from: &machine) == 1)
        let effects = machine.prepared(1, work: Self.work)
        #expect(effects.resume.first?.step?.batch == 1)
        #expect(effects.wakePollThread)
        guard case .poll = machine.nextPollAction() else {
            Issue.record("batch 2 is collected while batch 1 works")
            return
        }
    }

    @Test func aBatchCollectedAcrossARebalanceIsNotHandedOut() {
        var machine = Self.consuming(batches: 0)
        guard case .poll(let generation) = machine.nextPollAction() else {
            Issue.record("expected a poll")
            return
        }
        machine.rebalanceStarted()
        _ = machine.collected(Self.messages(0..<5), generation: generation)
        #expect(Self.take(.prepare, from: &machine) == nil)
        _ = machine.cancelTake(.prepare)
        _ = machine.collected(Self.messages(0..<5), generation: machine.generation)
        #expect(Self.take(.prepare, from: &machine) == 0)
    }

    @Test func aRevokeWaitsForEveryBatchInFlightThenCommitsAndGivesThePartitionsBack() {
        var machine = Self.consuming(batches: 2)
        machine.rebalanceStarted()
        machine.assigned([TopicPartition(topic: "t", partition: 0)])
        #expect(machine.assignment?.count == 1)
        machine.rebalanceStarted()
        #expect(!Self.commits(machine.revokeAction()))
        #expect(Self.finish(0, in: &machine).wakePollThread)
        #expect(!Self.commits(machine.revokeAction()), "batch 1 is still in flight")
        #expect(Self.finish(1, in: &machine).wakePollThread)
        #expect(Self.commits(machine.revokeAction()))
        machine.revoked()
        #expect(machine.assignment == nil)
    }

    @Test func shutdownDrainsTheBatchesInFlightThenClosesAndEndsTheLanes() {
        var machine = Self.consuming(batches: 1)
        #expect(!machine.stop().wakePollThread)
        guard case .wait = machine.nextPollAction() else {
            Issue.record("no new poll while draining")
            return
        }
        #expect(Self.take(.prepare, from: &machine) == 0, "a batch handed out is still handled")
        _ = machine.prepared(0, work: Self.work)
        #expect(Self.take(.work, from: &machine) == 0)
        #expect(Self.take(.prepare, from: &machine) == nil)
        _ = machine.worked(0, confirmation: {})
        #expect(Self.take(.work, from: &machine) == nil)
        #expect(Self.take(.confirm, from: &machine) == 0)
        #expect(machine.confirmed(0).wakePollThread)
        guard case .close(let effects) = machine.nextPollAction() else {
            Issue.record("every batch is finished: the consumer closes")
            return
        }
        #expect(effects.resume.map(\.waiter).sorted() == ["prepare", "work"])
        #expect(effects.resume.allSatisfy { $0.step == nil })
        guard case .end = machine.take(.confirm, waiter: "confirm") else {
            Issue.record("the lanes end once the consumer closes")
            return
        }
        #expect(machine.awaitClose("run") == nil)
        #expect(machine.closed() == "run")
        #expect(machine.isFinished && machine.failure == nil)
    }

    @Test func aFailedBatchAndTheOnesAfterItStoreNothingWhileTheOneBeforeItIsStillConfirmed() {
        var machine = Self.consuming(batches: 3)
        #expect(Self.take(.prepare, from: &machine) == 0)
        _ = machine.prepared(0, work: Self.work)
        #expect(Self.take(.work, from: &machine) == 0)
        _ = machine.worked(0, confirmation: {})
        #expect(Self.take(.confirm, from: &machine) == 0)
        #expect(Self.take(.prepare, from: &machine) == 1)
        _ = machine.prepared(1, work: Self.work)
        #expect(Self.take(.work, from: &machine) == 1)
        #expect(Self.take(.prepare, from: &machine) == 2)

        let effects = machine.failed(1, error: Failure.work)
        #expect(effects.released.map(\.id) == [1, 2])
        #expect(machine.failure as? Failure == .work)
        _ = machine.prepared(2, work: Self.work)
        #expect(Self.take(.work, from: &machine) == nil, "a dropped batch's work never runs")
        guard case .wait = machine.nextPollAction() else {
            Issue.record("batch 0 is still being confirmed")
            return
        }
        #expect(machine.confirmed(0).released.map(\.id) == [0])
        guard case .close(let closing) = machine.nextPollAction() else {
            Issue.record("the consumer stops")
            return
        }
        #expect(closing.resume.map(\.waiter) == ["work"])
        _ = machine.failed(0, error: Failure.confirmation)
        #expect(machine.failure as? Failure == .work, "the first failure is the one thrown")
    }

    @Test func lanesThatEndLetGoOfWhatIsInFlightSoThePollThreadCloses() {
        var machine = Self.consuming(batches: 3)
        #expect(Self.take(.work, from: &machine) == nil)
        #expect(machine.cancelTake(.work) == "work")
        guard case .wait = machine.nextPollAction() else {
            Issue.record("three batches in flight")
            return
        }
        let effects = machine.lanesEnded()
        #expect(effects.wakePollThread)
        #expect(effects.released.map(\.id) == [0, 1, 2])
        _ = machine.collected(Self.messages(30..<40), generation: machine.generation)
        guard case .close = machine.nextPollAction() else {
            Issue.record("nothing is left to wait for")
            return
        }
        #expect(Self.commits(machine.revokeAction()), "the revoke inside the group leave waits for nothing")
    }

    @Test func aFatalErrorStopsTheConsumerAndIsThrownAfterAHandlerFailure() {
        var machine = Self.consuming(batches: 0)
        _ = machine.fatal(KafkaError(.consumer, "fatal"))
        #expect((machine.failure as? KafkaError)?.message == "fatal")
        guard case .close = machine.nextPollAction() else {
            Issue.record("the consumer stops")
            return
        }
        var failing = Self.consuming(batches: 1)
        _ = failing.fatal(KafkaError(.consumer, "fatal"))
        _ = failing.failed(0, error: Failure.work)
        #expect(failing.failure as? Failure == .work)
    }

    @Test func closeWaitEndsAtTheTimeoutEvenBeforeItStarts() {
        var machine = Self.consuming(batches: 0)
        #expect(machine.awaitClose("run") == nil)
        #expect(machine.closeTimedOut() == "run")
        #expect(machine.closed() == nil)

        var late = Self.consuming(batches: 0)
        #expect(late.closeTimedOut() == nil)
        #expect(late.awaitClose("run") == "run", "timed out already: not parked")
        #expect(!late.isFinished)
    }

    @Test func lagStartOffsetsAreForgottenAtARebalanceAndNotRememberedAcrossOne() {
        var machine = Self.consuming(batches: 0)
        let partition = TopicPartition(topic: "t", partition: 0)
        let asked = machine.lagStartOffsets()
        machine.rememberLagStartOffsets([partition: 7], generation: asked.generation)
        #expect(machine.lagStartOffsets().offsets == [partition: 7])
        let before = machine.lagStartOffsets().generation
        machine.rebalanceStarted()
        #expect(machine.lagStartOffsets().offsets.isEmpty)
        machine.rememberLagStartOffsets([partition: 9], generation: before)
        #expect(machine.lagStartOffsets().offsets.isEmpty, "asked before the rebalance: not kept")
    }

    enum Failure: Error { case work, confirmation }
}

extension KafkaConsumer.Step {
    var batch: Int {
        switch self {
        case .prepare(let batch, _), .work(let batch, _), .confirm(let batch, _, _): batch
        }
    }
}

/// The consumer's typed settings reach librdkafka, and a client property may not set them twice.
@Suite struct ConsumerConfigurationTests {
    @Test func theFetchWaitIsTheConsumersOwnSetting() throws {
        let client = KafkaConfiguration(bootstrapServers: "127.0.0.1:9092")
        let rendered = try KafkaConsumerConfiguration(client: client, groupID: "g", fetchWait: .milliseconds(15))
            .rendered()
        #expect(rendered["fetch.wait.max.ms"] == "15")
        #expect(try KafkaConsumerConfiguration(client: client, groupID: "g").rendered()["fetch.wait.max.ms"] == "20")
        #expect(throws: KafkaError.self) {
            try KafkaConsumerConfiguration(client: client.with(["fetch.wait.max.ms": "500"]), groupID: "g").rendered()
        }
    }
}
