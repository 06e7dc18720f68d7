@_spi(QKitInternal) import QCore

/// A socket error as a Swift error, thrown by QKit's async socket APIs: Qt's code and text,
/// and QKit's detail. Qt has no counterpart (Qt reports errors through `errorOccurred`).
public struct QSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Qt's error code. Qt: `QAbstractSocket::error()`.
    public let code: QAbstractSocket.SocketError
    /// Qt's text for it. Qt: `QAbstractSocket::errorString()`.
    public let errorString: String
    /// What failed, on which address, and the OS's reason (`errorDetail`).
    public let errorDetail: String

    /// "ConnectionRefusedError: Connection refused".
    public var description: String { "\(code.qtName): \(errorString)" }
}

extension QUdpSocket {
    /// The datagrams this socket receives, for `for try await`: each iteration reads, on the
    /// socket's thread, every datagram that `readyRead` announces, from the moment it starts
    /// (datagrams already waiting included). It ends when the socket is closed or destroyed
    /// and throws `QSocketError` when a read fails (an ICMP refusal on a connected socket);
    /// leaving the loop disconnects. Qt has no counterpart (a `readyRead` slot that loops
    /// over `receiveDatagram()`).
    public var datagrams: Datagrams { Datagrams(self) }

    /// `QUdpSocket.datagrams`: an `AsyncSequence` of `QNetworkDatagram`.
    public struct Datagrams: AsyncSequence, @unchecked Sendable {
        public typealias Element = QNetworkDatagram
        public typealias Failure = any Error

        // Safe to share: the socket is used only on its own thread (ThreadSubscription), and
        // reached through a weak reference.
        private weak var socket: QUdpSocket?

        init(_ socket: QUdpSocket) { self.socket = socket }

        /// Starts reading (on the socket's thread) and returns the iterator that owns it.
        public func makeAsyncIterator() -> QAsyncThrowingIterator<QNetworkDatagram> {
            let target = UncheckedSocket(socket)
            return QAsyncThrowingIterator.subscribe(on: socket) { continuation in
                guard let socket = target.socket, !socket.isDeleted,
                    socket.state == .bound || socket.state == .connected
                else {
                    continuation.finish()
                    return []
                }
                let drain: (QUdpSocket) -> Void = { socket in
                    let errorBefore = socket.errorCount
                    while socket.hasPendingDatagrams() {
                        let datagram = socket.receiveDatagram()
                        guard datagram.isValid else { break }
                        continuation.yield(datagram)
                    }
                    // A refusal found while peeking is reported by the next read, as a
                    // readyRead slot that reads would see it.
                    if socket.pendingRefusal != nil {
                        _ = socket.receive(into: UnsafeMutableRawBufferPointer(start: nil, count: 0))
                    }
                    if socket.errorCount != errorBefore && socket.error != .temporary {
                        continuation.finish(throwing: QSocketError(
                            code: socket.error, errorString: socket.errorString, errorDetail: socket.errorDetail))
                    }
                }
                let reading = socket.readyRead.connect(receiver: socket) { socket in drain(socket) }
                let closing = socket.readChannelFinished.connect { continuation.finish() }
                let ending = socket.destroyed.connect { _ in continuation.finish() }
                drain(socket)
                return [reading, closing, ending]
            }
        }
    }
}

/// Carries a socket to its own thread inside a Sendable closure.
struct UncheckedSocket: @unchecked Sendable {
    weak var socket: QUdpSocket?
    init(_ socket: QUdpSocket?) { self.socket = socket }
}
