/// The connections one async iteration makes (a signal's `values`, a socket's `datagrams`):
/// made on their object's thread, taken down from wherever the iteration ends, at once on
/// that thread and by a posted call from elsewhere. Locked: the two ends meet from any thread.
@_spi(QKitInternal)
public final class ThreadSubscription: @unchecked Sendable {
    private let lock = FutexLock()
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
            owner.postingThreadData.post(.call(ClosureCallEvent(to: owner, run)))
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
            owner.postingThreadData.post(
                .call(ClosureCallEvent(to: owner) { handles.disconnect() }))
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
