@_spi(QKitInternal) import QCore

extension QUdpSocket {
    /// The datagrams this socket receives, for `for try await`: each iteration reads, on the
    /// socket's thread, every datagram that `readyRead` announces, from the moment it starts
    /// (datagrams already waiting included). It ends when the socket is closed or destroyed
    /// and throws `QSocketError` when a read fails (an ICMP refusal on a connected socket);
    /// leaving the loop disconnects. Qt has no counterpart (a `readyRead` slot that loops
    /// over `receiveDatagram()`).
    public var datagrams: Datagrams { Datagrams(socket: WeakObjectReference(self)) }

    /// `QUdpSocket.datagrams`: an `AsyncSequence` of `QNetworkDatagram`.
    public struct Datagrams: AsyncSequence, Sendable {
        public typealias Element = QNetworkDatagram
        public typealias Failure = any Error

        let socket: WeakObjectReference<QUdpSocket>

        /// Starts reading (on the socket's thread) and returns the iterator that owns it.
        public func makeAsyncIterator() -> QAsyncThrowingIterator<QNetworkDatagram> {
            let target = socket
            return QAsyncThrowingIterator.subscribe(on: target.object) { sink in
                guard let socket = target.object, !socket.isDeleted,
                    socket.state == .bound || socket.state == .connected
                else {
                    sink.finish()
                    return []
                }
                return sink.follow(socket, arrival: socket.readyRead, end: socket.readChannelFinished) { socket, sink in
                    guard socket.isValid else { return }  // closed: nothing left to read
                    let errorBefore = socket.errorCount
                    while socket.hasPendingDatagrams() {
                        let datagram = socket.receiveDatagram()
                        guard datagram.isValid else { break }
                        sink.yield(datagram)
                    }
                    // A refusal found while peeking is reported by the next read, as a
                    // readyRead slot that reads would see it.
                    if socket.inbox.pendingRefusal != nil {
                        _ = socket.receive(into: UnsafeMutableRawBufferPointer(start: nil, count: 0))
                    }
                    if socket.errorCount != errorBefore && socket.error != .temporary {
                        sink.finish(
                            throwing: QSocketError(
                                code: socket.error, errorString: socket.errorString, errorDetail: socket.errorDetail))
                    }
                }
            }
        }
    }
}
