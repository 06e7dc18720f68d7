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
    public func makeAsyncIterator() -> Iterator {
        let (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: bufferingPolicy)
        let handles = SignalSubscription()
        continuation.onTermination = { _ in handles.stop() }
        if let owner {
            if let object = owner.object, life?.hasEnded == false {
                SignalSubscription.start(signal, owner: object, handles: handles, continuation: continuation)
            } else {
                continuation.finish()
            }
        } else {
            SignalSubscription.start(signal, owner: nil, handles: handles, continuation: continuation)
        }
        return Iterator(base: stream.makeAsyncIterator(), end: IterationEnd(handles))
    }

    /// Iterates the emissions; dropping it disconnects.
    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncStream<Element>.Iterator
        let end: IterationEnd

        /// The next emission, or nil once the owner is destroyed or the task is cancelled.
        public mutating func next() async -> Element? { await base.next() }
    }
}

/// Disconnects its subscription when the iterator holding it goes away (a `break`).
final class IterationEnd: Sendable {
    let handles: SignalSubscription
    init(_ handles: SignalSubscription) { self.handles = handles }
    deinit { handles.stop() }
}

/// The connections of one iteration: set up on the owner's thread, taken down from wherever
/// the iteration ends (locked).
final class SignalSubscription: @unchecked Sendable {
    private let lock = PThreadLock()
    private var connections: UncheckedConnections?
    private weak var owner: QObject?
    private var stopped = false

    /// Connects `continuation` to the signal, now on the owner's thread (or for a signal with
    /// no owner), otherwise by a posted call, which keeps the owner alive until it runs.
    static func start<each Arg: Sendable>(
        _ target: UncheckedSignal<repeat each Arg>, owner: QObject?, handles: SignalSubscription,
        continuation: AsyncStream<(repeat each Arg)>.Continuation
    ) {
        let install: @Sendable () -> Void = {
            let signal = target.signal
            if signal.ownerGone || signal.owner?.isDeleted == true {
                continuation.finish()
                return
            }
            let emissions = signal.connect(type: .direct) { (args: repeat each Arg) in
                continuation.yield((repeat each args))
            }
            let end = signal.owner.map { owner in owner.destroyed.connect { _ in continuation.finish() } }
            handles.install(UncheckedConnections(emissions: emissions, end: end), owner: signal.owner)
        }
        guard let owner, !owner.postingThreadData.isCurrent else {
            install()
            return
        }
        owner.postingThreadData.post(PostedEvent(receiver: owner, event: ClosureCallEvent(install), priority: 0))
    }

    func install(_ made: UncheckedConnections, owner: QObject?) {
        let keep = lock.withLock { () -> Bool in
            guard !stopped else { return false }
            connections = made
            self.owner = owner
            return true
        }
        if !keep { made.disconnect() }
    }

    /// Disconnects on the owner's thread: at once when called there, else by a posted call.
    func stop() {
        let (taken, owner) = lock.withLock { () -> (UncheckedConnections?, QObject?) in
            stopped = true
            defer { connections = nil }
            return (connections, self.owner)
        }
        guard let taken else { return }
        if let owner, !owner.postingThreadData.isCurrent {
            owner.postingThreadData.post(PostedEvent(receiver: owner, event: ClosureCallEvent { taken.disconnect() }, priority: 0))
        } else {
            taken.disconnect()
        }
    }
}

/// Carries a signal to its owner's thread inside a Sendable value (QKit's threading rule:
/// the signal is only used in the thread its owner lives in).
struct UncheckedSignal<each Arg>: @unchecked Sendable {
    let signal: Signal<repeat each Arg>
    init(_ signal: Signal<repeat each Arg>) { self.signal = signal }
}

/// Connection handles taken to the owner's thread to be disconnected there.
struct UncheckedConnections: @unchecked Sendable {
    let emissions: Connection?
    let end: Connection?
    func disconnect() {
        emissions?.disconnect()
        end?.disconnect()
    }
}
