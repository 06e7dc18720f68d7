@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

extension QLocalSocket {
    // MARK: closing (disconnectFromServer, close and abort, in Qt 6's signal orders)

    /// Nothing pending: Closing → Unconnected → readChannelFinished → disconnected at once.
    /// Data pending: returns in Closing; once flushed, bytesWritten → Unconnected →
    /// readChannelFinished → disconnected. The device stays open. Qt: `disconnectFromServer()`.
    public func disconnectFromServer() {
        guard state == .connected || state == .connecting else { return }
        if state == .connecting {
            return abort()
        }
        beginClosing()
    }

    /// Closing: at once when nothing is pending, otherwise once the write buffer drains.
    private func beginClosing() {
        setState(.closing)
        if writeBuffer.isEmpty {
            finishDisconnect()
        } else {
            closeWhenFlushed = true
            scheduleFlush()
        }
    }

    /// aboutToClose (still Connected) → Closing → (at once, or after the pending data is
    /// written) Unconnected → readChannelFinished → disconnected. The device closes at once.
    /// Qt: `close()`.
    func closeSocket() {
        guard state != .unconnected else {
            if isOpen { super.close() }
            return
        }
        aboutToClose.emit()
        qkitSetOpenMode(.notOpen)
        qkitClearReadBuffer()
        beginClosing()
    }

    /// Discards pending writes: Unconnected → readChannelFinished → disconnected →
    /// aboutToClose; the device closes. Qt: `abort()`.
    public func abort() {
        guard state != .unconnected else { return }
        writeBuffer.removeAll()
        pendingAddress = nil
        finishDisconnect()
        if isOpen {
            aboutToClose.emit()
            qkitSetOpenMode(.notOpen)
            qkitClearReadBuffer()
        }
    }

    // MARK: waiting, without an event loop

    /// Blocks until connected (true) or `msecs` pass (false, still Connecting, no error).
    /// Qt: `waitForConnected()`.
    public func waitForConnected(_ msecs: Int = 30000) -> Bool {
        let deadline = QDeadlineTimer(Int64(msecs))
        while state == .connecting {
            let left = deadline.remainingTime
            if left == 0 { return false }
            _ = Posix.poll(fd, read: false, write: true, timeoutMs: Int(left))
            attemptConnect()
        }
        return state == .connected
    }

    /// Blocks until new data arrived (readyRead is emitted inside; true); on time-out false
    /// with SocketTimeoutError (still Connected); false at once when the peer closes (with
    /// the peer-close sequence). Qt: `waitForReadyRead()`.
    func waitForData(_ msecs: Int) -> Bool {
        guard state == .connected || state == .closing, fd >= 0 else { return false }
        let deadline = QDeadlineTimer(Int64(msecs))
        while true {
            let left = deadline.remainingTime
            let ready = Posix.poll(fd, read: true, write: false, timeoutMs: Int(left))
            if ready == 0 {
                if deadline.hasExpired {
                    report(
                        .socketTimeout, "QLocalSocket: Socket operation timed out",
                        detail: "waitForReadyRead on \(fullServerName): no data within \(msecs) ms")
                    return false
                }
                continue
            }
            if readFromSocket(emitSignal: true) { return true }
            if fd < 0 { return false }
        }
    }

    /// Blocks until buffered data was written (bytesWritten is emitted inside; true), or
    /// `msecs` pass, or the peer is gone (false). Qt: `waitForBytesWritten()`.
    func waitForWritten(_ msecs: Int) -> Bool {
        guard fd >= 0, !writeBuffer.isEmpty else { return false }
        let deadline = QDeadlineTimer(Int64(msecs))
        while fd >= 0 && !writeBuffer.isEmpty {
            if flushWriteBuffer() { return true }
            let left = deadline.remainingTime
            if left == 0 { return false }
            let ready = Posix.poll(fd, read: false, write: true, timeoutMs: Int(left))
            if ready == 0 && deadline.hasExpired { return false }
        }
        return false
    }

    /// Blocks until disconnected (true): flushes a Closing socket, or waits for the peer to
    /// close. Unconnected: false with a warning. Qt: `waitForDisconnected()`.
    public func waitForDisconnected(_ msecs: Int = 30000) -> Bool {
        guard state != .unconnected else {
            qkitWarning("QLocalSocket::waitForDisconnected() is not allowed in UnconnectedState")
            return false
        }
        let deadline = QDeadlineTimer(Int64(msecs))
        while state != .unconnected {
            let left = deadline.remainingTime
            if left == 0 { return false }
            if !writeBuffer.isEmpty {
                _ = Posix.poll(fd, read: false, write: true, timeoutMs: Int(left))
                _ = flushWriteBuffer()
            } else if state == .closing && closeWhenFlushed {
                finishDisconnect()
            } else {
                let ready = Posix.poll(fd, read: true, write: false, timeoutMs: Int(left))
                if ready != 0 { readFromSocket(emitSignal: true) }
            }
        }
        return true
    }
}
