@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

extension QUdpSocket {
    /// Connects to `host`:`port` (an IP address): synchronously HostLookup → Connecting →
    /// `hostFound` → Connected → `connected`; the device opens (ReadWrite, Unbuffered). A
    /// Bound socket keeps its port. In any connecting/connected state: OperationError.
    /// Qt: `connectToHost(const QHostAddress &, quint16, OpenMode)`.
    public func connectToHost(_ host: QHostAddress, _ port: UInt16, _ mode: OpenMode = .readWrite) {
        qkitAssertAffinity("connectToHost")
        guard state == .unconnected || state == .bound else {
            qkitWarning(
                "QAbstractSocket::connectToHost() called when already looking up or connecting/connected to \"\(peerName)\"")
            report(.operation, "Trying to connect while connection is in progress")
            return
        }
        peerName = host.toString()
        setState(.hostLookup)
        let subject = endpointText(host, port)
        guard !host.isNull else {
            report(.hostNotFound, "Host not found", detail: "connectToHost \(subject): null address")
            setState(.unconnected)
            return
        }
        setState(.connecting)
        hostFound.emit()
        if fd < 0 {
            guard openDescriptor(for: host.protocol == .ipv4 ? .anyIPv4 : .any, subject: subject) else {
                setState(.unconnected)
                return
            }
        }
        do {
            _ = try Posix.connect(fd, destination(for: host, port: port))
        } catch let e {
            let (code, text) = SocketErrors.forConnect(e)
            report(code, text, detail: SocketErrors.detail("connect to", subject, e))
            releaseDescriptor()
            setState(.unconnected)
            return
        }
        refreshLocalAddress()
        peerAddress = host
        peerPort = port
        qkitSetOpenMode(mode.union(.unbuffered))
        setState(.connected)
        armReadyRead()
        connected.emit()
    }

    /// Bound: Closing → Unconnected → readChannelFinished → disconnected (Qt emits
    /// disconnected here too). Connected: the same, and the device stays open.
    /// Qt: `disconnectFromHost()`.
    public func disconnectFromHost() {
        guard state != .unconnected else { return }
        setState(.closing)
        finishClose(emitDisconnected: true)
    }

    /// Connected: aboutToClose, then as `disconnectFromHost`, and the device closes.
    /// Bound: as `disconnectFromHost`. Qt: `close()`.
    func closeSocket() {
        if isOpen {
            aboutToClose.emit()
            qkitSetOpenMode(.notOpen)
        }
        disconnectFromHost()
    }

    /// Bound: Unconnected → readChannelFinished (no disconnected). Connected: aboutToClose,
    /// Unconnected, readChannelFinished, disconnected. Qt: `abort()`.
    public func abort() {
        guard state != .unconnected else { return }
        let wasConnected = state == .connected
        if isOpen {
            aboutToClose.emit()
            qkitSetOpenMode(.notOpen)
        }
        finishClose(emitDisconnected: wasConnected)
    }

    private func finishClose(emitDisconnected: Bool) {
        releaseDescriptor()
        setState(.unconnected)
        readChannelFinished.emit()
        if emitDisconnected { disconnected.emit() }
    }

    // MARK: connected-mode I/O

    /// Connected: reads one datagram (truncated to the buffer). Re-arms readyRead.
    func readConnected(into buffer: UnsafeMutableRawBufferPointer) -> Int64 {
        guard state == .connected, let (copied, _, _) = receiveDirect(into: buffer) else { return -1 }
        return Int64(copied)
    }

    /// Connected: sends the bytes as one datagram and emits `bytesWritten`.
    func writeConnected(_ buffer: UnsafeRawBufferPointer) -> Int64 {
        guard state == .connected, fd >= 0 else { return -1 }
        return sendDatagram(buffer, to: nil) { "\(peerAddress):\(peerPort)" }
    }

    /// The kernel's count of the next datagram's bytes (do not use it to detect datagrams).
    var kernelBytesAvailable: Int64 {
        guard fd >= 0 else { return 0 }
        if let size = inbox.firstSize { return Int64(size) }
        return Int64(Posix.bytesAvailable(fd))
    }

    var hasPendingDatagramsQuietly: Bool { fd >= 0 && pendingSize() != nil }

    // MARK: waiting (no event loop needed)

    /// Blocks until a datagram is waiting (then emits readyRead inside the call, unless
    /// called from a readyRead slot) and returns true; false at once when Unconnected; on
    /// time-out false with SocketTimeoutError, the socket stays usable. Qt: `waitForReadyRead()`.
    func waitForDatagram(_ msecs: Int) -> Bool {
        guard state == .bound || state == .connected, fd >= 0 else { return false }
        if inbox.count > 0 {
            emitReadyRead()
            return true
        }
        let ready = Posix.poll(fd, read: true, write: false, timeoutMs: msecs)
        guard ready & Int16(POLLIN) != 0 else {
            report(
                .socketTimeout, "Network operation timed out",
                detail: "waitForReadyRead: no datagram within \(msecs) ms on \(localAddress):\(localPort)")
            return false
        }
        stopWatching()
        emitReadyRead()
        return true
    }

}
