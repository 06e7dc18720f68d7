/// Awaitable signals: a signal's emissions as an `AsyncSequence`, or the next one.
extension Signal where repeat each Arg: Sendable {
    /// The signal's emissions, for `for await`: each iteration connects when it starts (on
    /// the owner's thread: at once there, by a posted call from elsewhere) and from then on
    /// loses none (unbounded buffer). It ends when the owner is destroyed; leaving the loop
    /// or cancelling the task disconnects (at once on the owner's thread, by a posted call
    /// from elsewhere). Qt has no counterpart (the nearest is a slot collecting emissions).
    public var values: SignalEmissions<repeat each Arg> { values(bufferingPolicy: .unbounded) }

    /// `values` with a buffering policy for emissions the loop has not consumed yet
    /// (`.bufferingNewest(1)` keeps only the latest, say).
    public func values(
        bufferingPolicy: AsyncStream<(repeat each Arg)>.Continuation.BufferingPolicy
    ) -> SignalEmissions<repeat each Arg> {
        SignalEmissions(self, bufferingPolicy: bufferingPolicy)
    }

    /// The next emission's arguments; nil when the owner is destroyed (at once if it already
    /// is) or the task is cancelled. Qt: `QSignalSpy::wait()`, without the event loop.
    public func next() async -> (repeat each Arg)? {
        var iterator = values(bufferingPolicy: .bufferingOldest(1)).makeAsyncIterator()
        return await iterator.next()
    }
}

/// A signal's emissions as an `AsyncSequence` (see `Signal.values`); each iterator is one
/// connection. Qt has no counterpart.
public struct SignalEmissions<each Arg: Sendable>: AsyncSequence, @unchecked Sendable {
    public typealias Element = (repeat each Arg)
    public typealias Failure = Never

    // Safe to share: the signal is used only on its owner's thread (SignalSubscription), the
    // owner is read through a weak reference and the life token is atomic.
    private let signal: UncheckedSignal<repeat each Arg>
    private let owner: WeakObject?
    private let life: LifeToken?
    private let bufferingPolicy: AsyncStream<Element>.Continuation.BufferingPolicy

    init(_ signal: Signal<repeat each Arg>, bufferingPolicy: AsyncStream<Element>.Continuation.BufferingPolicy) {
        self.signal = UncheckedSignal(signal)
        // Made where the caller holds the owner (it reached the signal through it).
        let owner = signal.ownerGone ? nil : signal.owner
        self.owner = signal.owner == nil ? nil : WeakObject(object: owner)
        life = owner?.extraData.lifeToken
        self.bufferingPolicy = bufferingPolicy
    }

    /// Connects (on the owner's thread) and returns the iterator that owns the connection.
    public func makeAsyncIterator() -> QAsyncIterator<Element> {
        let target = signal
        let gone = owner != nil && (owner?.object == nil || life?.hasEnded != false)
        return QAsyncIterator.subscribe(on: gone ? nil : owner?.object, bufferingPolicy: bufferingPolicy) { continuation in
            let signal = target.signal
            if gone || signal.ownerGone || signal.owner?.isDeleted == true {
                continuation.finish()
                return []
            }
            let emissions = signal.connect(type: .direct) { (args: repeat each Arg) in
                continuation.yield((repeat each args))
            }
            guard let owner = signal.owner else { return [emissions] }
            return [emissions, owner.destroyed.connect { _ in continuation.finish() }]
        }
    }
}

/// Carries a signal to its owner's thread inside a Sendable value (QKit's threading rule:
/// the signal is only used in the thread its owner lives in).
struct UncheckedSignal<each Arg>: @unchecked Sendable {
    let signal: Signal<repeat each Arg>
    init(_ signal: Signal<repeat each Arg>) { self.signal = signal }
}
