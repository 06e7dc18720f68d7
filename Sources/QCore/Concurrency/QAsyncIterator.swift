/// The iterator of QKit's async sequences (`signal.values`, `server.connections`,
/// `socket.bytes`): it owns the connections its iteration made, and dropping it takes them
/// down. An element already buffered is returned without suspending. Qt has no counterpart.
public struct QAsyncIterator<Element>: AsyncIteratorProtocol {
    let sink: QAsyncSink<Element>
    let end: IterationEnd

    /// The next element, or nil once the sequence ended or the task is cancelled.
    public mutating func next() async -> Element? { await next(isolation: nil) }

    /// `next()` staying in the caller's isolation (what `for await` calls), so an iterator
    /// made on an actor is used there without crossing to another executor.
    public mutating func next(isolation actor: isolated (any Actor)?) async -> Element? {
        switch await sink.next(isolation: actor) {
        case .success(let element): return element
        case .failure: return nil
        }
    }

    /// Makes the buffer and runs `install` on `owner`'s thread (see `ThreadSubscription`)
    /// with it; leaving the loop, cancelling or the end of the sequence takes the connections down.
    @_spi(QKitInternal)
    public static func subscribe(
        on owner: QObject?, bufferingPolicy: AsyncStream<Element>.Continuation.BufferingPolicy = .unbounded,
        _ install: @escaping @Sendable (QAsyncSink<Element>) -> [Connection]
    ) -> QAsyncIterator<Element> {
        let (sink, end) = QAsyncSink<Element>.start(on: owner, policy: bufferingPolicy, install)
        return QAsyncIterator(sink: sink, end: end)
    }
}

/// The iterator of QKit's throwing async sequences (`udp.datagrams`); as `QAsyncIterator`,
/// and it throws the error that ended the sequence. Qt has no counterpart.
public struct QAsyncThrowingIterator<Element>: AsyncIteratorProtocol {
    let sink: QAsyncSink<Element>
    let end: IterationEnd

    /// The next element; nil once the sequence ended; throws the error that ended it.
    public mutating func next() async throws -> Element? { try await next(isolation: nil) }

    /// `next()` staying in the caller's isolation (what `for try await` calls).
    public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Element? {
        try await sink.next(isolation: actor).get()
    }

    /// As `QAsyncIterator.subscribe`, for a sequence that can end with an error.
    @_spi(QKitInternal)
    public static func subscribe(
        on owner: QObject?, _ install: @escaping @Sendable (QAsyncSink<Element>) -> [Connection]
    ) -> QAsyncThrowingIterator<Element> {
        let (sink, end) = QAsyncSink<Element>.start(on: owner, policy: .unbounded, install)
        return QAsyncThrowingIterator(sink: sink, end: end)
    }
}

/// What a QKit async sequence's connections feed (on the owner's thread) and its iterator
/// takes from (anywhere): a locked buffer with one waiting iterator at most. Buffered elements
/// are taken without suspending; an element for a waiting iterator resumes it directly.
@_spi(QKitInternal)
public final class QAsyncSink<Element>: @unchecked Sendable {
    // Safe to share: every field is read and written under `lock`; the elements cross from the
    // owner's thread to the iterating task, as QKit's threading rule allows for the sequences
    // that use this (Sendable elements, or objects used on their own thread).
    private let lock = FutexLock()
    private var items: [Element] = []
    private var head = 0
    private var waiter: UnsafeContinuation<Result<Element?, any Error>, Never>?
    private var ended = false
    private var failure: (any Error)?
    private var onEnd: (@Sendable () -> Void)?
    private let policy: AsyncStream<Element>.Continuation.BufferingPolicy

    private init(policy: AsyncStream<Element>.Continuation.BufferingPolicy) { self.policy = policy }

    static func start(
        on owner: QObject?, policy: AsyncStream<Element>.Continuation.BufferingPolicy,
        _ install: @escaping @Sendable (QAsyncSink<Element>) -> [Connection]
    ) -> (QAsyncSink<Element>, IterationEnd) {
        let sink = QAsyncSink(policy: policy)
        let subscription = ThreadSubscription.start(on: owner) { install(sink) }
        sink.lock.withLock { sink.onEnd = { subscription.stop() } }
        if sink.lock.withLock({ sink.ended }) { subscription.stop() }
        return (sink, IterationEnd(subscription))
    }

    /// Hands an element to the waiting iterator, or buffers it (as the policy says).
    public func yield(_ element: Element) {
        lock.lock()
        guard !ended else { return lock.unlock() }
        if let waiting = waiter {
            waiter = nil
            lock.unlock()
            hand(.success(element), to: waiting)
            return
        }
        switch policy {
        case .bufferingOldest(let limit):
            if items.count - head < limit { items.append(element) }
        case .bufferingNewest(let limit):
            if limit > 0 {
                items.append(element)
                if items.count - head > limit { head += 1 }
            }
        default:
            items.append(element)
        }
        lock.unlock()
    }

    /// Ends the sequence after the buffered elements (with `error` thrown after them).
    public func finish(throwing error: (any Error)? = nil) {
        lock.lock()
        guard !ended else { return lock.unlock() }
        ended = true
        failure = error
        let waiting = waiter
        waiter = nil
        let end = onEnd
        onEnd = nil
        lock.unlock()
        if let waiting { hand(error.map { .failure($0) } ?? .success(nil), to: waiting) }
        end?()
    }

    /// The next element (without suspending when one is buffered), nil at the end, or the
    /// error that ended the sequence; nil at once when the task is cancelled.
    func next(isolation actor: isolated (any Actor)?) async -> Result<Element?, any Error> {
        if let ready = lock.withLock({ takeReady() }) { return ready }
        if Task.isCancelled {
            cancel()
            return .success(nil)
        }
        return await withTaskCancellationHandler(
            operation: {
                await withUnsafeContinuation(isolation: actor) {
                    (continuation: UnsafeContinuation<Result<Element?, any Error>, Never>) in
                    lock.lock()
                    if let ready = takeReady() {
                        lock.unlock()
                        hand(ready, to: continuation)
                    } else {
                        waiter = continuation
                        lock.unlock()
                    }
                }
            },
            onCancel: { self.cancel() },
            isolation: actor)
    }

    /// Resumes the iterator with `result`. Safe: the element leaves the buffer for the one
    /// iterator that takes it (see the class comment).
    private func hand(
        _ result: Result<Element?, any Error>, to continuation: UnsafeContinuation<Result<Element?, any Error>, Never>
    ) {
        nonisolated(unsafe) let result = result
        continuation.resume(returning: result)
    }

    /// Under the lock: a buffered element, or the end (the error once), or nil to wait.
    private func takeReady() -> Result<Element?, any Error>? {
        if head < items.count {
            let element = items[head]
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 1024 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return .success(element)
        }
        guard ended else { return nil }
        if let error = failure {
            failure = nil
            return .failure(error)
        }
        return .success(nil)
    }

    /// The iterating task was cancelled: the sequence ends and a waiting `next` returns nil.
    private func cancel() {
        lock.lock()
        ended = true
        items.removeAll()
        head = 0
        failure = nil
        let waiting = waiter
        waiter = nil
        let end = onEnd
        onEnd = nil
        lock.unlock()
        if let waiting { hand(.success(nil), to: waiting) }
        end?()
    }
}

extension QAsyncSink {
    /// Feeds this sink from `object`'s signals, on the object's thread: `drain` now and at
    /// every `arrival`; at `end` one last `drain`, then the sequence ends; it ends as well
    /// when the object is destroyed. Returns the connections (for `ThreadSubscription`).
    public func follow<Object: QObject>(
        _ object: Object, arrival: Signal0, end: Signal0,
        drain: @escaping (Object, QAsyncSink<Element>) -> Void
    ) -> [Connection] {
        drain(object, self)
        return [
            arrival.connect(receiver: object) { object in drain(object, self) },
            end.connect(receiver: object) { object in
                drain(object, self)
                self.finish()
            },
            object.destroyed.connect { _ in self.finish() },
        ]
    }
}

/// A weak reference that may cross threads, for async sequences whose object is only used on
/// its own thread (QKit's threading rule, checked at run time).
@_spi(QKitInternal)
public struct WeakObjectReference<Object: AnyObject>: @unchecked Sendable {
    public weak var object: Object?
    public init(_ object: Object?) { self.object = object }
}
