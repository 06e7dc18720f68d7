/// Awaitable signals: a signal's emissions as an `AsyncSequence`, or the next one.
extension Signal {
    /// The signal's emissions, for `for await`: each iteration connects when it starts (on
    /// the owner's thread: at once there, by a posted call from elsewhere) and from then on
    /// loses none (unbounded buffer). It ends when the owner is destroyed; leaving the loop
    /// or cancelling the task disconnects (at once on the owner's thread, by a posted call
    /// from elsewhere). Arguments that are not all `Sendable` are awaited on the owner's
    /// thread only: the sequence is then not Sendable, and starting it elsewhere traps, as a
    /// queued connection does. Qt has no counterpart (the nearest is a slot collecting
    /// emissions).
    public var values: SignalEmissions<repeat each Arg> { values(bufferingPolicy: .unbounded) }

    /// `values` with a buffering policy for emissions the loop has not consumed yet
    /// (`.bufferingNewest(1)` keeps only the latest, say).
    public func values(
        bufferingPolicy: AsyncStream<(repeat each Arg)>.Continuation.BufferingPolicy
    ) -> SignalEmissions<repeat each Arg> {
        SignalEmissions(self, bufferingPolicy: bufferingPolicy)
    }

    /// The next emission's arguments; nil when the owner is destroyed (at once if it already
    /// is) or the task is cancelled. Awaited in the caller's isolation. Qt:
    /// `QSignalSpy::wait()`, without the event loop.
    public func next(isolation actor: isolated (any Actor)? = #isolation) async -> (repeat each Arg)? {
        var iterator = values(bufferingPolicy: .bufferingOldest(1)).makeAsyncIterator()
        return await iterator.next(isolation: actor)
    }
}

/// A signal's emissions as an `AsyncSequence` (see `Signal.values`); each iterator is one
/// connection. Sendable when the arguments are. Qt has no counterpart.
public struct SignalEmissions<each Arg>: AsyncSequence {
    public typealias Element = (repeat each Arg)
    public typealias Failure = Never

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
        if !gone, !target.signal.argumentsSendable, let object = owner?.object, !object.postingThreadData.isCurrent {
            // Only reachable through an unchecked hand-over: the sequence is not Sendable then.
            Diagnostics.misuse(
                "Signal<\((repeat (each Arg).self))>.values: the emissions of \(describe(object)) carry "
                    + "arguments that are not Sendable, so they are awaited on its thread "
                    + "(\(object.postingThreadData.debugName)), not on \(ThreadData.currentDebugName)")
        }
        return QAsyncIterator.subscribe(on: gone ? nil : owner?.object, bufferingPolicy: bufferingPolicy) { sink in
            target.feed(sink, ended: gone)
        }
    }
}

// Safe to share when the arguments are Sendable: the signal is used only on its owner's
// thread (ThreadSubscription), the owner is read through a weak reference and the life token
// is atomic.
extension SignalEmissions: @unchecked Sendable where repeat each Arg: Sendable {}

/// Carries a signal to its owner's thread inside a Sendable value (QKit's threading rule:
/// the signal is only used in the thread its owner lives in).
struct UncheckedSignal<each Arg>: @unchecked Sendable {
    let signal: Signal<repeat each Arg>
    init(_ signal: Signal<repeat each Arg>) { self.signal = signal }

    /// On the owner's thread: connects the signal to `sink` and ends the sink when the owner
    /// is destroyed (or at once when it already is, or `ended` says so).
    func feed(_ sink: QAsyncSink<(repeat each Arg)>, ended: Bool) -> [Connection] {
        if ended || signal.ownerGone || signal.owner?.isDeleted == true {
            sink.finish()
            return []
        }
        let emissions = signal.connect(type: .direct) { (args: repeat each Arg) in
            sink.yield((repeat each args))
        }
        guard let owner = signal.owner else { return [emissions] }
        return [emissions, owner.destroyed.connect { _ in sink.finish() }]
    }
}
