@_spi(QKitInternal) import QCore

extension QLocalServer {
    /// The connections the server accepts, for `for await`: each one as
    /// `nextPendingConnection()` returns it (those already waiting first), from the moment
    /// the iteration starts on the server's thread. Ends when the server stops listening
    /// (`close()`) or is destroyed. The sockets live in the server's thread: iterate there
    /// (on the main actor for a server of the main thread). Qt has no counterpart (a
    /// `newConnection` slot that loops over `nextPendingConnection()`).
    public var connections: Connections { Connections(server: WeakObjectReference(self)) }

    /// `QLocalServer.connections`: an `AsyncSequence` of `QLocalSocket`.
    public struct Connections: AsyncSequence, Sendable {
        public typealias Element = QLocalSocket
        public typealias Failure = Never

        let server: WeakObjectReference<QLocalServer>

        /// Starts taking connections (on the server's thread); the iterator owns that.
        public func makeAsyncIterator() -> QAsyncIterator<QLocalSocket> {
            let target = server
            return QAsyncIterator.subscribe(on: target.object) { sink in
                guard let server = target.object, !server.isDeleted, server.isListening else {
                    sink.finish()
                    return []
                }
                return sink.follow(server, arrival: server.newConnection, end: server.listeningEnded) { server, sink in
                    // The sockets are used in the server's thread, where the iteration runs.
                    while let client = server.nextPendingConnection() { sink.yield(client) }
                }
            }
        }
    }
}
