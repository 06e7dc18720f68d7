@_spi(QKitInternal) import QCore

extension QLocalSocket {
    /// The bytes the socket receives, for `for await`: each chunk `readyRead` announces (what
    /// is already buffered first), read on the socket's thread, from the moment the iteration
    /// starts. Ends when the connection ends, after the last bytes (a peer that closed
    /// included). Qt has no counterpart (a `readyRead` slot that calls `readAll()`).
    public var bytes: Bytes { Bytes(socket: WeakObjectReference(self)) }

    /// `QLocalSocket.bytes`: an `AsyncSequence` of byte chunks.
    public struct Bytes: AsyncSequence, Sendable {
        public typealias Element = [UInt8]
        public typealias Failure = Never

        let socket: WeakObjectReference<QLocalSocket>

        /// Starts reading (on the socket's thread); the iterator owns that.
        public func makeAsyncIterator() -> QAsyncIterator<[UInt8]> {
            let target = socket
            return QAsyncIterator.subscribe(on: target.object) { sink in
                guard let socket = target.object, !socket.isDeleted else {
                    sink.finish()
                    return []
                }
                guard socket.state == .connected || socket.state == .closing else {
                    // Only what is buffered is left to read.
                    let chunk = socket.readAll()
                    if !chunk.isEmpty { sink.yield(chunk) }
                    sink.finish()
                    return []
                }
                return sink.follow(socket, arrival: socket.readyRead, end: socket.readChannelFinished) { socket, sink in
                    let chunk = socket.readAll()
                    if !chunk.isEmpty { sink.yield(chunk) }
                }
            }
        }
    }

    /// Writes `data` and returns once the kernel has taken all of it (`bytesToWrite` is 0),
    /// suspending meanwhile instead of blocking the thread: backpressure for a fast writer.
    /// Throws `QLocalSocketError` when the socket is not connected or the connection ends
    /// first. Call it on the socket's thread (the main actor for a socket of the main
    /// thread). Qt has no counterpart (`write()` then `bytesWritten` until it is all out).
    public func send(_ data: [UInt8], isolation: isolated (any Actor)? = #isolation) async throws {
        qkitAssertAffinity("send")
        guard state == .connected, write(data) == Int64(data.count) else {
            throw failure(
                .operation, "QLocalSocket::write: Operation not permitted when socket is in this state",
                detail: "send: the socket is not connected")
        }
        if bytesToWrite == 0 { return }
        let result = await suspend(msecs: -1, timeoutError: nil) { socket, resolve in
            [
                socket.bytesWritten.connect(receiver: socket) { socket, _ in
                    if socket.bytesToWrite == 0 { resolve(nil) }
                },
                socket.errorOccurred.connect(receiver: socket) { socket, _ in resolve(socket.currentFailure) },
                socket.disconnected.connect(receiver: socket) { socket in
                    resolve(socket.bytesToWrite == 0 ? nil : socket.currentFailure)
                },
            ]
        }
        if let result { throw result }
    }

    /// Suspends until connected (true), or `msecs` pass or the attempt fails (false); true at
    /// once when connected. Qt: `waitForConnected()`, without blocking the thread.
    public func waitForConnected(_ msecs: Int = 30000, isolation: isolated (any Actor)? = #isolation) async -> Bool {
        qkitAssertAffinity("waitForConnected")
        if state != .connecting { return state == .connected }
        return await suspend(msecs: msecs, timeoutError: nil) { socket, resolve in
            [
                socket.connected.connect { resolve(nil) },
                socket.errorOccurred.connect(receiver: socket) { socket, _ in resolve(socket.currentFailure) },
            ]
        } == nil
    }

    /// Suspends until new bytes arrive (true; `readyRead` is emitted first), or `msecs` pass
    /// (false, with SocketTimeoutError) or the connection ends (false). Qt:
    /// `waitForReadyRead()`, without blocking the thread.
    public func waitForReadyRead(_ msecs: Int = 30000, isolation: isolated (any Actor)? = #isolation) async -> Bool {
        qkitAssertAffinity("waitForReadyRead")
        guard state == .connected || state == .closing else { return false }
        return await suspend(msecs: msecs, timeoutError: .socketTimeout) { socket, resolve in
            [
                socket.readyRead.connect { resolve(nil) },
                socket.readChannelFinished.connect(receiver: socket) { socket in resolve(socket.currentFailure) },
            ]
        } == nil
    }

    /// Suspends until buffered bytes were written (true; `bytesWritten` is emitted first), or
    /// `msecs` pass or the connection ends (false); false at once with nothing to write.
    /// Qt: `waitForBytesWritten()`, without blocking the thread.
    public func waitForBytesWritten(_ msecs: Int = 30000, isolation: isolated (any Actor)? = #isolation) async -> Bool {
        qkitAssertAffinity("waitForBytesWritten")
        guard state == .connected || state == .closing, bytesToWrite > 0 else { return false }
        return await suspend(msecs: msecs, timeoutError: nil) { socket, resolve in
            [
                socket.bytesWritten.connect { _ in resolve(nil) },
                socket.disconnected.connect(receiver: socket) { socket in resolve(socket.currentFailure) },
            ]
        } == nil
    }

    /// Suspends until disconnected (true), or `msecs` pass (false); false at once, with a
    /// warning, when not connected. Qt: `waitForDisconnected()`, without blocking the thread.
    public func waitForDisconnected(_ msecs: Int = 30000, isolation: isolated (any Actor)? = #isolation) async -> Bool {
        qkitAssertAffinity("waitForDisconnected")
        guard state != .unconnected else {
            qkitWarning("QLocalSocket::waitForDisconnected() is not allowed in UnconnectedState")
            return false
        }
        return await suspend(msecs: msecs, timeoutError: nil) { socket, resolve in
            [socket.disconnected.connect { resolve(nil) }]
        } == nil
    }

    /// The socket's current error as a Swift error.
    var currentFailure: QLocalSocketError {
        QLocalSocketError(code: error, errorString: errorString, errorDetail: errorDetail)
    }

    private func failure(_ code: LocalSocketError, _ text: String, detail: String) -> QLocalSocketError {
        QLocalSocketError(code: code, errorString: text, errorDetail: detail)
    }

    /// Suspends on the socket's thread until `watch`'s connections resolve it (nil: success,
    /// or the error) or `msecs` pass (−1: never; then `timeoutError` is reported as the sync
    /// call reports it, and the result is that error). Every connection and the timer are gone
    /// before it resumes.
    private func suspend(
        msecs: Int, timeoutError: LocalSocketError?,
        isolation: isolated (any Actor)? = #isolation,
        watch: (QLocalSocket, _ resolve: @escaping (QLocalSocketError?) -> Void) -> [Connection]
    ) async -> QLocalSocketError? {
        await withCheckedContinuation(isolation: isolation) { continuation in
            let waiting = Suspension(continuation)
            let timer = QTimer(parent: self)
            waiting.cleanup = { [unowned timer] in timer.delete() }
            waiting.connections = watch(self) { waiting.resolve($0) }
            // A socket destroyed meanwhile ends the wait too (its timer goes with it).
            waiting.connections.append(
                destroyed.connect { _ in
                    waiting.resolve(
                        QLocalSocketError(
                            code: .unknownSocket, errorString: "Unknown error",
                            errorDetail: "the socket was destroyed while an async call waited"))
                })
            timer.isSingleShot = true
            timer.timeout.connect(receiver: self) { socket in
                if let timeoutError {
                    socket.report(
                        timeoutError, "QLocalSocket: Socket operation timed out",
                        detail: "waitForReadyRead on \(socket.fullServerName): no data within \(msecs) ms")
                }
                waiting.resolve(socket.failure(.socketTimeout, "QLocalSocket: Socket operation timed out", detail: "timed out"))
            }
            if msecs >= 0 { timer.start(msecs) }
        }
    }
}

/// One suspended async call: resumed once, then its connections and timer are gone.
private final class Suspension {
    private var continuation: CheckedContinuation<QLocalSocketError?, Never>?
    var connections: [Connection] = []
    var cleanup: (() -> Void)?

    init(_ continuation: CheckedContinuation<QLocalSocketError?, Never>) { self.continuation = continuation }

    func resolve(_ result: QLocalSocketError?) {
        guard let continuation else { return }
        self.continuation = nil
        for connection in connections { connection.disconnect() }
        connections = []
        cleanup?()
        cleanup = nil
        continuation.resume(returning: result)
    }
}
