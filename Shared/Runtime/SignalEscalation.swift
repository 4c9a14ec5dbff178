import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// The first SIGTERM or SIGINT starts a graceful shutdown (the service group handles it); a second
/// one ends the process at once. It is first in the group, so its own graceful shutdown comes last
/// and it keeps listening while the other services drain.
struct SignalEscalation: Service {
    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        await cancelWhenGracefulShutdown {
            var seen = 0
            for await signal in signals {
                seen += 1
                if seen >= 2 {
                    FileHandle.standardError.write(Data("second \(signal): exiting at once\n".utf8))
                    _exit(130)
                }
            }
        }
    }
}
