@_spi(QKitInternal) import QCore

extension QLocalServer {
    /// The connections the server accepts, for `for await`: each one as
    /// `nextPendingConnection()` returns it (those already waiting first), from the moment
    /// the iteration starts on the server's thread. Ends when the server stops listening
    /// (`close()`) or is destroyed. The sockets live in the server's thread: iterate there
    /// (on the main actor for a server of the main thread). Qt has no counterpart (a
    /// `newConnection` slot that loops over `nextPendingConnection()`).
    public var connections: Connections { Connections(self) }

    /// `QLocalServer.connections`: an `AsyncSequence` of `QLocalSocket`.
    public struct Connections: AsyncSequence, @unchecked Sendable {
        public typealias Element = QLocalSocket
        public typealias Failure = Never

        // Safe to share: the server is used only on its own thread (ThreadSubscription), and
        // reached through a weak reference.
        private weak var server: QLocalServer?

        init(_ server: QLocalServer) { self.server = server }

        /// Starts taking connections (on the server's thread); the iterator owns that.
        public func makeAsyncIterator() -> QAsyncIterator<QLocalSocket> {
            let target = UncheckedServer(server)
            return QAsyncIterator.subscribe(on: server) { continuation in
                guard let server = target.server, !server.isDeleted, server.isListening else {
                    continuation.finish()
                    return []
                }
                let drain: (QLocalServer) -> Void = { server in
                    while let next = server.nextPendingConnection() {
                        // Safe by QKit's threading rule: the socket is used in the server's
                        // thread, where the iteration runs (affinity is checked at run time).
                        nonisolated(unsafe) let client = next
                        continuation.yield(client)
                    }
                }
                let taking = server.newConnection.connect(receiver: server) { server in drain(server) }
                let closing = server.listeningEnded.connect { continuation.finish() }
                let ending = server.destroyed.connect { _ in continuation.finish() }
                drain(server)
                return [taking, closing, ending]
            }
        }
    }
}

/// Carries a server to its own thread inside a Sendable closure.
struct UncheckedServer: @unchecked Sendable {
    weak var server: QLocalServer?
    init(_ server: QLocalServer?) { self.server = server }
}
