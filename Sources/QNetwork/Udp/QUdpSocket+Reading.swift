@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

extension QUdpSocket {
    // MARK: pending datagrams

    /// True if at least one datagram (even an empty one) is waiting. Unbound: false, with a
    /// warning. Qt: `hasPendingDatagrams()`.
    public func hasPendingDatagrams() -> Bool {
        guard fd >= 0 else {
            qkitWarning("QUdpSocket::hasPendingDatagrams() called on a QUdpSocket when not in QUdpSocket::BoundState")
            return false
        }
        return pendingSize() != nil
    }

    /// The next datagram's size: takes the waiting datagrams into the inbox when it is empty
    /// (one `recvmmsg`, so the reads that follow make no system call), keeping an ICMP
    /// refusal for the next read.
    func pendingSize() -> Int? {
        if inbox.count == 0 { fillInbox() }
        return inbox.firstSize
    }

    /// The size of the first waiting datagram (0 for an empty one), −1 if none.
    /// Qt: `pendingDatagramSize()`.
    public func pendingDatagramSize() -> Int64 {
        guard fd >= 0 else {
            qkitWarning("QUdpSocket::pendingDatagramSize() called on a QUdpSocket when not in QUdpSocket::BoundState")
            return -1
        }
        return pendingSize().map(Int64.init) ?? -1
    }

    // MARK: reading

    /// Reads one datagram into `buffer` (the rest of a larger one is discarded). Returns the
    /// bytes copied with the sender, or size −1 when none is waiting (TemporaryError,
    /// `errorOccurred`) or the socket is unbound (a warning, no signal). Re-arms readyRead.
    /// Qt: `readDatagram(char *, qint64, QHostAddress *, quint16 *)`.
    public func readDatagram(into buffer: UnsafeMutableRawBufferPointer) -> (size: Int64, host: QHostAddress, port: UInt16) {
        guard let (copied, host, port) = receiveDirect(into: buffer) else { return (-1, .null, 0) }
        return (Int64(copied), host, port)
    }

    /// Reads one datagram, at most `maxSize` bytes of it (0: discard it); nil when none is
    /// waiting or the socket is unbound. Qt: `readDatagram(maxSize)`.
    public func readDatagram(_ maxSize: Int64) -> (data: [UInt8], host: QHostAddress, port: UInt16)? {
        if fd >= 0 && inbox.pendingRefusal == nil {
            let failure = inbox.count == 0 ? fillInbox() : nil
            if inbox.count > 0 {
                // The bytes were already taken from the kernel: hand over that array.
                var datagram = inbox.pop()
                armReadyRead()
                let keep = Int(max(0, maxSize))
                if datagram.data.count > keep { datagram.data.removeLast(datagram.data.count - keep) }
                let (host, port) = datagram.info.sender?.hostAndPort ?? (.null, 0)
                return (datagram.data, host, port)
            }
            if let failure {
                // This read's one receive failed: its error, as for any read (a refusal
                // names the peer that refused).
                if !reportPendingRefusal() { reportReceiveFailure(failure) }
                armReadyRead()
                return nil
            }
        }
        var data = [UInt8](repeating: 0, count: Int(max(0, min(maxSize, 65536))))
        let result = data.withUnsafeMutableBytes { readDatagram(into: $0) }
        guard result.size >= 0 else { return nil }
        data.removeLast(data.count - Int(result.size))
        return (data, result.host, result.port)
    }

    /// Receives one datagram with its addresses and hop limit; `maxSize` −1 reads it whole.
    /// Returns an invalid datagram when none is waiting (no signal for −1). Qt: `receiveDatagram()`.
    public func receiveDatagram(_ maxSize: Int64 = -1) -> QNetworkDatagram {
        guard fd >= 0 else {
            qkitWarning("QUdpSocket::receiveDatagram() called on a QUdpSocket when not in QUdpSocket::BoundState")
            return QNetworkDatagram()
        }
        var size = Int(maxSize)
        if maxSize < 0 {
            guard let pending = pendingSize() else {
                armReadyRead()
                return QNetworkDatagram()
            }
            size = pending
        }
        var data = [UInt8](repeating: 0, count: min(size, 65536))
        guard let received = data.withUnsafeMutableBytes({ receive(into: $0) }) else { return QNetworkDatagram() }
        data.removeLast(data.count - received.copied)
        return QNetworkDatagram(data, received: received, localPort: localPort)
    }

    /// Reads one datagram into `buffer` with Qt's error handling and re-arms readyRead
    /// whatever happens: one already in the inbox, otherwise one straight from the kernel
    /// into `buffer` without its destination and hop limit (one `recvfrom`, no copy: Qt's
    /// `readDatagram(char *)` asks the kernel for nothing more). Returns the bytes copied and
    /// the sender.
    @inline(__always)
    func receiveDirect(into buffer: UnsafeMutableRawBufferPointer) -> (Int, QHostAddress, UInt16)? {
        defer { armReadyRead() }
        guard readMayProceed() else { return nil }
        if inbox.count > 0 {
            let datagram = inbox.pop(into: buffer)
            let (host, port) = datagram.sender?.hostAndPort ?? (.null, 0)
            return (datagram.copied, host, port)
        }
        return withUnsafeTemporaryAllocation(of: sockaddr_storage.self, capacity: 1) { name in
            // Safe: the kernel writes `length` bytes of the address before they are read.
            let sender = name.baseAddress.unsafelyUnwrapped
            var length: socklen_t = 0
            var failure: Errno?
            do throws(Errno) {
                if case .done(let size) = try Posix.receive(fd, into: buffer, sender: sender, senderLength: &length) {
                    let (host, port) = SocketAddress.hostAndPort(of: sender, length: length)
                    return (min(size, buffer.count), host, port)
                }
            } catch {
                failure = error
            }
            reportNothingRead(failure)
            return nil
        }
    }

    /// Reads one datagram into `buffer` with Qt's error handling, re-arming readyRead
    /// whatever happens: from the inbox, filled first when empty (one `recvmmsg`, with
    /// everything the kernel tells about each datagram).
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> ReceivedDatagram? {
        defer { armReadyRead() }
        guard readMayProceed() else { return nil }
        let failure = inbox.count == 0 ? fillInbox() : nil
        if inbox.count > 0 { return inbox.pop(into: buffer) }
        reportNothingRead(failure)
        return nil
    }

    /// The start of a one-datagram read: false on an unbound socket (a warning, no signal)
    /// or when a refusal an earlier receive took is reported as this read's failure.
    private func readMayProceed() -> Bool {
        guard fd >= 0 else {
            qkitWarning("QUdpSocket::readDatagram() called on a QUdpSocket when not in QUdpSocket::BoundState")
            return false
        }
        return !reportPendingRefusal()
    }

    /// A read that got no datagram: its receive's failure, or TemporaryError when none waited.
    private func reportNothingRead(_ failure: Errno?) {
        if let failure {
            reportReceiveFailure(failure)
        } else {
            report(.temporary, "No datagram available for reading")
        }
    }

    /// Reports the error a peek (or an earlier batch) already took from the kernel, such as
    /// an ICMP refusal, as this read's failure; false when there is none.
    @inline(__always)
    func reportPendingRefusal() -> Bool {
        // Compared in place: binding the optional copied its text (a retain and a release).
        if inbox.pendingRefusal == nil { return false }
        reportTakenRefusal()
        return true
    }

    private func reportTakenRefusal() {
        guard let refusal = inbox.pendingRefusal else { return }
        inbox.pendingRefusal = nil
        let (code, text) = SocketErrors.forReceive(refusal)
        report(code, text, detail: SocketErrors.detail("receive from", "\(peerAddress):\(peerPort)", refusal))
    }

    /// Reports a failed receive as Qt reports a failed read.
    func reportReceiveFailure(_ failure: Errno) {
        inbox.pendingRefusal = nil
        let (code, text) = SocketErrors.forReceive(failure)
        report(code, text, detail: SocketErrors.detail("receive on", "\(localAddress):\(localPort)", failure))
    }
}

extension QNetworkDatagram {
    /// A received datagram with what the kernel told about it: sender, destination (on a
    /// socket bound to `localPort`), hop limit and interface.
    init(_ data: [UInt8], received info: ReceivedDatagram, localPort: UInt16) {
        self.init(data)
        (senderAddress, senderPort) = info.sender?.hostAndPort ?? (.null, 0)
        if let destination = info.destination {
            destinationAddress = destination.host
            destinationPort = localPort
        }
        hopLimit = info.hopLimit
        interfaceIndex = info.interfaceIndex
    }
}
