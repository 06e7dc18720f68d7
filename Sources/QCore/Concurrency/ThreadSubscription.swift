/// The connections one async iteration makes (a signal's `values`, a socket's `datagrams`):
/// made on their object's thread, taken down from wherever the iteration ends, at once on
/// that thread and by a posted call from elsewhere. Locked: the two ends meet from any thread.
@_spi(QKitInternal)
public final class ThreadSubscription: @unchecked Sendable {
    private let lock = PThreadLock()
    private var connections: [Connection] = []
    private weak var owner: QObject?
    private var stopped = false

    private init(owner: QObject?) { self.owner = owner }

    /// Runs `install` on `owner`'s thread: now when called there (or with no owner),
    /// otherwise from its loop, by a posted call that keeps the owner alive until it runs.
    /// `install` returns the connections to take down later.
    public static func start(on owner: QObject?, _ install: @escaping @Sendable () -> [Connection]) -> ThreadSubscription {
        let subscription = ThreadSubscription(owner: owner)
        let run: @Sendable () -> Void = { subscription.keep(install()) }
        if let owner, !owner.postingThreadData.isCurrent {
            owner.postingThreadData.post(PostedEvent(receiver: owner, event: ClosureCallEvent(run), priority: 0))
        } else {
            run()
        }
        return subscription
    }

    private func keep(_ made: [Connection]) {
        let keep = lock.withLock { () -> Bool in
            guard !stopped else { return false }
            connections = made
            return true
        }
        if !keep { for connection in made { connection.disconnect() } }
    }

    /// Takes the connections down (once), on the owner's thread.
    public func stop() {
        let (taken, owner) = lock.withLock { () -> ([Connection], QObject?) in
            stopped = true
            defer { connections = [] }
            return (connections, self.owner)
        }
        guard !taken.isEmpty else { return }
        let handles = UncheckedConnections(taken)
        if let owner, !owner.postingThreadData.isCurrent {
            owner.postingThreadData.post(PostedEvent(receiver: owner, event: ClosureCallEvent { handles.disconnect() }, priority: 0))
        } else {
            handles.disconnect()
        }
    }
}

/// Stops its subscription when the iterator holding it goes away (a `break` out of the loop).
@_spi(QKitInternal)
public final class IterationEnd: Sendable {
    let subscription: ThreadSubscription
    public init(_ subscription: ThreadSubscription) { self.subscription = subscription }
    deinit { subscription.stop() }
}

/// Connection handles taken to their owner's thread to be disconnected there.
struct UncheckedConnections: @unchecked Sendable {
    let connections: [Connection]
    init(_ connections: [Connection]) { self.connections = connections }
    func disconnect() { for connection in connections { connection.disconnect() } }
}

/// The iterator of QKit's async sequences (`signal.values`, `server.connections`): it owns
/// the connections its iteration made, and dropping it takes them down. Qt has no counterpart.
public struct QAsyncIterator<Element>: AsyncIteratorProtocol {
    var base: AsyncStream<Element>.Iterator
    let end: IterationEnd

    /// The next element, or nil once the sequence ended or the task is cancelled.
    public mutating func next() async -> Element? { await base.next() }

    /// `next()` staying in the caller's isolation (what `for await` calls), so an iterator
    /// made on an actor is used there without crossing to another executor.
    public mutating func next(isolation actor: isolated (any Actor)?) async -> Element? {
        await base.next(isolation: actor)
    }

    /// Makes the stream and runs `install` on `owner`'s thread (see `ThreadSubscription`)
    /// with its continuation; leaving the loop or cancelling takes the connections down.
    @_spi(QKitInternal)
    public static func subscribe(
        on owner: QObject?, bufferingPolicy: AsyncStream<Element>.Continuation.BufferingPolicy = .unbounded,
        _ install: @escaping @Sendable (AsyncStream<Element>.Continuation) -> [Connection]
    ) -> QAsyncIterator<Element> {
        let (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: bufferingPolicy)
        let subscription = ThreadSubscription.start(on: owner) { install(continuation) }
        continuation.onTermination = { _ in subscription.stop() }
        return QAsyncIterator(base: stream.makeAsyncIterator(), end: IterationEnd(subscription))
    }
}

/// The iterator of QKit's throwing async sequences (`udp.datagrams`, `socket.bytes`); as
/// `QAsyncIterator`, and it rethrows the error that ended the sequence. Qt has no counterpart.
public struct QAsyncThrowingIterator<Element>: AsyncIteratorProtocol {
    var base: AsyncThrowingStream<Element, any Error>.Iterator
    let end: IterationEnd

    /// The next element; nil once the sequence ended; throws the error that ended it.
    public mutating func next() async throws -> Element? { try await base.next() }

    /// `next()` staying in the caller's isolation (what `for try await` calls).
    public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
        try await base.next(isolation: actor)
    }

    /// As `QAsyncIterator.subscribe`, for a stream that can end with an error.
    @_spi(QKitInternal)
    public static func subscribe(
        on owner: QObject?,
        _ install: @escaping @Sendable (AsyncThrowingStream<Element, any Error>.Continuation) -> [Connection]
    ) -> QAsyncThrowingIterator<Element> {
        let (stream, continuation) = AsyncThrowingStream<Element, any Error>.makeStream()
        let subscription = ThreadSubscription.start(on: owner) { install(continuation) }
        continuation.onTermination = { _ in subscription.stop() }
        return QAsyncThrowingIterator(base: stream.makeAsyncIterator(), end: IterationEnd(subscription))
    }
}
