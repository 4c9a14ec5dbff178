import Dispatch
import Foundation

extension Array where Element: Sendable {
    /// `map`, in order, with the elements split among the machine's cores: the calling thread takes
    /// one part and waits for the others. For pure, CPU-bound work done inside a batch's transaction
    /// (attribution credits, event encoding) while the other core would idle. Fewer than
    /// `minimumPerPart` elements a core: mapped on the calling thread alone.
    public func concurrentMap<T: Sendable>(minimumPerPart: Int = 32, _ transform: @Sendable (Element) -> T) -> [T] {
        let parts = Swift.min(ProcessInfo.processInfo.activeProcessorCount, count / Swift.max(minimumPerPart, 1))
        guard parts > 1 else { return map(transform) }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let output = SendableBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                // Part `part` of `parts` contiguous ranges, their sizes at most one apart.
                let range = (count * part / parts)..<(count * (part + 1) / parts)
                for index in range { (output.base + index).initialize(to: transform(self[index])) }
            }
            initialized = count
        }
    }
}

/// The output buffer `concurrentMap`'s parts write, each to its own range.
private struct SendableBuffer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    init(_ buffer: UnsafeMutableBufferPointer<T>) { base = buffer.baseAddress! }
}
