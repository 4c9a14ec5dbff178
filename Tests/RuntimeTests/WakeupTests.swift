import Testing

@testable import TriadRuntime

/// The outbox relay's wake-up call: a signal ends a wait at once, not at its timeout, and is never lost.
@Suite struct WakeupTests {
    /// Far longer than any of these waits may take: a wait that runs into it failed.
    static let long = Duration.seconds(60)

    @Test func aSignalEndsAWaitLongBeforeItsTimeout() async {
        let wakeup = Wakeup()
        let clock = ContinuousClock()
        let started = clock.now
        async let waited: Void = wakeup.wait(timeout: Self.long)
        // Signalled until the waiter has taken one: a signal before it waits is remembered anyway.
        wakeup.signal()
        await waited
        #expect(clock.now - started < .seconds(30))
    }

    @Test func aSignalWhileNobodyWaitsIsRememberedOnce() async {
        let wakeup = Wakeup()
        let clock = ContinuousClock()
        wakeup.signal()
        wakeup.signal()
        var started = clock.now
        await wakeup.wait(timeout: Self.long)
        #expect(clock.now - started < .seconds(30))
        // The second signal was the same wake-up: this wait runs to its timeout.
        started = clock.now
        await wakeup.wait(timeout: .milliseconds(50))
        #expect(clock.now - started >= .milliseconds(50))
    }

    @Test func aWaitThatTimedOutLosesNoLaterSignal() async {
        let wakeup = Wakeup()
        let clock = ContinuousClock()
        for _ in 0..<20 { await wakeup.wait(timeout: .milliseconds(1)) }
        wakeup.signal()
        let started = clock.now
        await wakeup.wait(timeout: Self.long)
        #expect(clock.now - started < .seconds(30))
    }
}
