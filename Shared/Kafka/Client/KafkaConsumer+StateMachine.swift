extension KafkaConsumer {
    /// The lanes that handle batches, each one batch at a time and in batch order: preparing (may
    /// overlap the previous batch's work), the work, and its confirmation (may overlap the next
    /// batch's work), after which the batch's offsets are stored.
    enum Lane: CaseIterable, Sendable {
        case prepare, work, confirm
    }

    /// What a lane does next with a batch.
    enum Step: Sendable {
        case prepare(batch: Int, messages: [ConsumedMessage])
        case work(batch: Int, Work)
        case confirm(batch: Int, messages: [ConsumedMessage], Confirmation)
    }

    /// Everything the poll thread, the rebalance callback, the lanes, `run()` and the gauges share:
    /// one value behind one lock. Each event is a transition that returns what the caller must do
    /// once the lock is released (resume a lane, wake the poll thread, free a batch). It does no
    /// I/O and never blocks, so it is tested on its own. `Waiter` is what a parked lane or `run()`
    /// is resumed through (a continuation).
    struct StateMachine<Waiter: Sendable>: Sendable {
        /// The consumer's lifecycle.
        enum State: Sendable {
            /// `run()` has not started.
            case idle
            /// Polling and handing batches to the lanes.
            case consuming(Pipeline)
            /// Asked to stop (shutdown, a failure): no new poll; the batches handed out finish first.
            case draining(Pipeline)
            /// Every batch is finished: the poll thread commits and leaves the group, the lanes end.
            case closing
            /// The group is left.
            case finished
        }

        /// The batches handed out and not finished yet, oldest first, and the lanes waiting for one.
        struct Pipeline: Sendable {
            var batches: [InFlight] = []
            var nextID = 0
            var parked: [Lane: Waiter] = [:]
        }

        /// A batch handed out, and how far its handling got.
        struct InFlight: Sendable {
            let id: Int
            let messages: [ConsumedMessage]
            var progress: Progress
        }

        /// A batch's work is kept until the batch finishes: what it holds (the decoded batch) is
        /// freed with the batch, beside the next batch's work.
        enum Progress: Sendable {
            case collected, preparing, prepared(Work), working(Work), worked(Work, Confirmation), confirming(Work)

            /// Whether the work lane has not taken this batch yet.
            var isAheadOfWork: Bool {
                switch self {
                case .collected, .preparing, .prepared: true
                case .working, .worked, .confirming: false
                }
            }

            /// The lane this batch waits for, if it waits for one.
            var awaitedLane: Lane? {
                switch self {
                case .collected: .prepare
                case .prepared: .work
                case .worked: .confirm
                case .preparing, .working, .confirming: nil
                }
            }
        }

        /// What the caller does after a transition, outside the lock.
        struct Effects: Sendable {
            /// Lanes to resume, with their next step (nil: the lane ends).
            var resume: [(waiter: Waiter, step: Step?)] = []
            /// The poll thread waits for a batch to finish or for the consumer to stop.
            var wakePollThread = false
            /// Batches let go of: freed by the caller, not under the lock.
            var released: [InFlight] = []
        }

        enum PollAction: Sendable {
            /// Collect a batch; it is handed out only if no rebalance ran since `generation`.
            case poll(generation: UInt64)
            /// Wait to be woken: three batches are in flight, one waits for the work lane, or the last
            /// ones must finish first.
            case wait
            /// Commit, leave the group, then report `closed()`.
            case close(Effects)
        }

        enum RevokeAction: Sendable {
            /// Wait to be woken: batches of the partitions revoked are still in flight.
            case wait
            /// Every batch handed out is finished and its offsets stored: commit, then give the
            /// partitions back.
            case commit
        }

        enum TakeAction: Sendable {
            /// Run the step; wake the poll thread if asked (the work lane took a batch it waited for).
            case run(Step, wakePollThread: Bool)
            /// Nothing more comes: the lane ends.
            case end
            /// The waiter is resumed when a step comes or the lane ends.
            case parked
        }

        /// Batches in flight at most while the poll thread collects: one confirmed, one worked, one
        /// prepared.
        static var maxInFlight: Int { 3 }

        /// Batches collected and not yet taken by the work lane, at most, while the poll thread
        /// collects: one, decoded while the batch before it works. The next is collected when the
        /// work lane takes that one: a message waits for at most the batch working and its own,
        /// not behind a queue of small batches collected early (each a transaction of its own).
        let maxAheadOfWork: Int

        init(maxAheadOfWork: Int = 1) { self.maxAheadOfWork = maxAheadOfWork }

        private(set) var state: State = .idle
        /// Counts rebalances, so a batch collected across one is not handed out.
        private(set) var generation: UInt64 = 0
        /// The partitions held: nil until the first assignment and after a revoke.
        private(set) var assignment: [TopicPartition]?
        /// Committed offsets asked of the broker for the lag gauge, and the generation they are of.
        private var lagStarts: (generation: UInt64, offsets: [TopicPartition: Int64]) = (0, [:])
        /// The first error of the handler's work or of its confirmation.
        private(set) var handlerFailure: (any Error)?
        private(set) var fatalError: KafkaError?
        private var pollThreadWaits = false
        /// The poll thread waits for room to collect (not for a revoke or a drain).
        private var waitsToCollect = false
        private var closeWaiter: Waiter?
        private var closeWaitTimedOut = false
        /// The lanes ended: a batch collected now would never be finished.
        private var lanesAreGone = false

        /// What `run()` throws: the handler's failure first.
        var failure: (any Error)? { handlerFailure ?? fatalError }

        var isFinished: Bool {
            if case .finished = state { return true }
            return false
        }

        // MARK: Lifecycle

        mutating func start() {
            guard case .idle = state else { preconditionFailure("a consumer runs once") }
            state = .consuming(Pipeline())
        }

        /// Graceful shutdown or cancellation: the batches handed out finish, then the consumer leaves.
        mutating func stop() -> Effects {
            guard case .consuming(let pipeline) = state else { return Effects() }
            state = .draining(pipeline)
            return Effects(wakePollThread: takePollThreadWait())
        }

        /// librdkafka reported a fatal error: the consumer stops, and `run()` throws it.
        mutating func fatal(_ error: KafkaError) -> Effects {
            fatalError = error
            return stop()
        }

        /// The lanes ended (cancelled, or done): nobody finishes what is still in flight, so it is
        /// let go without its offsets.
        mutating func lanesEnded() -> Effects {
            lanesAreGone = true
            var effects = stop()
            if case .draining(var pipeline) = state {
                effects.released = pipeline.batches
                effects.resume = pipeline.parked.values.map { ($0, nil) }
                pipeline.batches = []
                pipeline.parked = [:]
                state = .draining(pipeline)
                effects.wakePollThread = takePollThreadWait() || effects.wakePollThread
            }
            return effects
        }

        /// `run()` waits for the group leave: the waiter to resume now when it happened or the wait
        /// timed out already, else nil and the waiter is parked.
        mutating func awaitClose(_ waiter: Waiter) -> Waiter? {
            if isFinished || closeWaitTimedOut { return waiter }
            closeWaiter = waiter
            return nil
        }

        /// The poll thread committed and left the group.
        mutating func closed() -> Waiter? {
            state = .finished
            defer { closeWaiter = nil }
            return closeWaiter
        }

        /// `run()` leaves without waiting for the group leave any longer.
        mutating func closeTimedOut() -> Waiter? {
            closeWaitTimedOut = true
            defer { closeWaiter = nil }
            return closeWaiter
        }

        // MARK: Poll thread

        mutating func nextPollAction() -> PollAction {
            switch state {
            case .idle:
                preconditionFailure("the poll thread starts in run()")
            case .consuming(let pipeline):
                guard mayCollect(pipeline) else { return parkPollThread(.wait, toCollect: true) }
                return .poll(generation: generation)
            case .draining(let pipeline):
                guard pipeline.batches.isEmpty else { return parkPollThread(.wait) }
                state = .closing
                return .close(Effects(resume: pipeline.parked.values.map { ($0, nil) }))
            case .closing, .finished:
                return .close(Effects())
            }
        }

        /// The poll thread collected `messages` in a poll that started at `generation`.
        mutating func collected(_ messages: [ConsumedMessage], generation: UInt64) -> Effects {
            guard generation == self.generation, !messages.isEmpty, !lanesAreGone else { return Effects() }
            return updatePipeline { pipeline in
                pipeline.batches.append(InFlight(id: pipeline.nextID, messages: messages, progress: .collected))
                pipeline.nextID += 1
            }
        }

        // MARK: Rebalance callback (on the poll thread, inside a poll)

        mutating func rebalanceStarted() { generation &+= 1 }

        mutating func assigned(_ partitions: [TopicPartition]) { assignment = partitions }

        /// Asked until it answers `.commit`.
        mutating func revokeAction() -> RevokeAction {
            switch state {
            case .consuming(let pipeline), .draining(let pipeline):
                pipeline.batches.isEmpty ? .commit : parkPollThread(.wait)
            case .idle, .closing, .finished:
                .commit
            }
        }

        /// The partitions are given back (revoked, lost, or a failed rebalance).
        mutating func revoked() { assignment = nil }

        // MARK: Lanes

        /// The lane's next step, in batch order; a lane with nothing to do is parked with `waiter`.
        mutating func take(_ lane: Lane, waiter: Waiter) -> TakeAction {
            switch state {
            case .idle:
                preconditionFailure("lanes start in run()")
            case .consuming, .draining:
                let action =
                    modifyPipeline { pipeline -> TakeAction in
                        if let step = Self.claim(for: lane, in: &pipeline) { return .run(step, wakePollThread: false) }
                        precondition(pipeline.parked[lane] == nil, "one waiter per lane")
                        pipeline.parked[lane] = waiter
                        return .parked
                    } ?? .end
                if case .run(let step, _) = action, lane == .work {
                    return .run(step, wakePollThread: wakesPollThread())
                }
                return action
            case .closing, .finished:
                return .end
            }
        }

        /// The lane's task was cancelled: its waiter, if it is parked, to resume with nil.
        mutating func cancelTake(_ lane: Lane) -> Waiter? {
            modifyPipeline { $0.parked.removeValue(forKey: lane) } ?? nil
        }

        /// A lane finished its step of `batch`; a batch dropped after a failure is ignored.
        mutating func prepared(_ batch: Int, work: @escaping Work) -> Effects {
            updatePipeline { pipeline in
                guard let index = pipeline.batches.firstIndex(where: { $0.id == batch }) else { return }
                pipeline.batches[index].progress = .prepared(work)
            }
        }

        mutating func worked(_ batch: Int, confirmation: @escaping Confirmation) -> Effects {
            updatePipeline { pipeline in
                guard let index = pipeline.batches.firstIndex(where: { $0.id == batch }),
                    case .working(let work) = pipeline.batches[index].progress
                else { return }
                pipeline.batches[index].progress = .worked(work, confirmation)
            }
        }

        /// The batch's offsets are stored: it is finished.
        mutating func confirmed(_ batch: Int) -> Effects {
            var effects = Effects()
            updatePipeline { pipeline in
                guard let index = pipeline.batches.firstIndex(where: { $0.id == batch }) else { return }
                precondition(index == 0, "batches finish in order")
                effects.released.append(pipeline.batches.removeFirst())
            }
            effects.wakePollThread = takePollThreadWait()
            return effects
        }

        /// The batch's work or confirmation failed: neither it nor any later batch stores offsets,
        /// and the consumer stops.
        mutating func failed(_ batch: Int, error: any Error) -> Effects {
            if handlerFailure == nil { handlerFailure = error }
            var effects = stop()
            updatePipeline { pipeline in
                guard let index = pipeline.batches.firstIndex(where: { $0.id == batch }) else { return }
                effects.released = Array(pipeline.batches[index...])
                pipeline.batches.removeSubrange(index...)
            }
            effects.wakePollThread = takePollThreadWait() || effects.wakePollThread
            return effects
        }

        // MARK: Lag gauge

        /// The committed offsets remembered for the current assignment, and its generation.
        func lagStartOffsets() -> (generation: UInt64, offsets: [TopicPartition: Int64]) {
            (generation, lagStarts.generation == generation ? lagStarts.offsets : [:])
        }

        /// Remembers committed offsets asked of the broker, unless a rebalance ran meanwhile.
        mutating func rememberLagStartOffsets(_ offsets: [TopicPartition: Int64], generation: UInt64) {
            guard generation == self.generation else { return }
            lagStarts = (generation, offsets)
        }

        // MARK: Helpers

        /// Runs `body` on the pipeline while there is one.
        private mutating func modifyPipeline<R>(_ body: (inout Pipeline) -> R) -> R? {
            switch state {
            case .consuming(var pipeline):
                defer { state = .consuming(pipeline) }
                return body(&pipeline)
            case .draining(var pipeline):
                defer { state = .draining(pipeline) }
                return body(&pipeline)
            case .idle, .closing, .finished:
                return nil
            }
        }

        /// Runs `body` on the pipeline, then hands each parked lane the batch now waiting for it.
        @discardableResult
        private mutating func updatePipeline(_ body: (inout Pipeline) -> Void) -> Effects {
            var effects =
                modifyPipeline { pipeline in
                    body(&pipeline)
                    var effects = Effects()
                    for lane in Lane.allCases {
                        guard pipeline.parked[lane] != nil, let step = Self.claim(for: lane, in: &pipeline) else {
                            continue
                        }
                        effects.resume.append((pipeline.parked.removeValue(forKey: lane)!, step))
                    }
                    return effects
                } ?? Effects()
            if effects.resume.contains(where: { if case .work = $0.step { true } else { false } }) {
                effects.wakePollThread = wakesPollThread()
            }
            return effects
        }

        /// Marks the oldest batch waiting for `lane` as taken, and returns its step.
        private static func claim(for lane: Lane, in pipeline: inout Pipeline) -> Step? {
            guard let index = pipeline.batches.firstIndex(where: { $0.progress.awaitedLane == lane }) else {
                return nil
            }
            let batch = pipeline.batches[index]
            switch batch.progress {
            case .collected:
                pipeline.batches[index].progress = .preparing
                return .prepare(batch: batch.id, messages: batch.messages)
            case .prepared(let work):
                pipeline.batches[index].progress = .working(work)
                return .work(batch: batch.id, work)
            case .worked(let work, let confirmation):
                pipeline.batches[index].progress = .confirming(work)
                return .confirm(batch: batch.id, messages: batch.messages, confirmation)
            case .preparing, .working, .confirming:
                return nil
            }
        }

        /// Whether the poll thread may collect another batch.
        private func mayCollect(_ pipeline: Pipeline) -> Bool {
            pipeline.batches.count < Self.maxInFlight
                && pipeline.batches.count(where: \.progress.isAheadOfWork) < maxAheadOfWork
        }

        /// True once per wait of the poll thread, when it may collect now (the work lane took a
        /// batch): whether to wake it.
        private mutating func wakesPollThread() -> Bool {
            guard waitsToCollect, case .consuming(let pipeline) = state, mayCollect(pipeline) else { return false }
            return takePollThreadWait()
        }

        private mutating func parkPollThread<Action>(_ action: Action, toCollect: Bool = false) -> Action {
            pollThreadWaits = true
            waitsToCollect = toCollect
            return action
        }

        /// True once per wait of the poll thread: whether it must be woken.
        private mutating func takePollThreadWait() -> Bool {
            defer {
                pollThreadWaits = false
                waitsToCollect = false
            }
            return pollThreadWaits
        }
    }
}
