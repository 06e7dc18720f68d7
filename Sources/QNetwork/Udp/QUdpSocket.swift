@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

/// Qt's `QUdpSocket`: sends and receives datagrams. `bind` (or the first `writeDatagram`)
/// makes it Bound; `readyRead` announces the first waiting datagram and is not emitted again
/// until a datagram is read (any read call re-arms it).
public final class QUdpSocket: QAbstractSocket {
    /// Watches the descriptor for incoming datagrams while readyRead is armed.
    var readNotifier: QSocketNotifier?
    /// True while `readyRead` is being emitted (it is never emitted recursively).
    var emittingReadyRead = false
    /// An ECONNREFUSED that a peek consumed, reported by the next read.
    var pendingRefusal: Errno?
    /// Datagrams taken from the kernel in one `recvmmsg`, ahead of the application's reads.
    var inbox: [BatchedDatagram] = []
    var inboxHead = 0
    var inboxCount: Int { inbox.count - inboxHead }
    /// A readyRead for datagrams already in the inbox is posted for the next loop pass.
    var readyReadPosted = false

    /// Creates an unbound UDP socket.
    public init(parent: QObject? = nil) {
        super.init(.udp, parent: parent)
    }

    // MARK: bind

    /// Binds to `address`:`port` (port 0: the OS picks one). Success: Bound, `localPort` set,
    /// `stateChanged(.bound)` at once. Failure: false, `errorOccurred` at once, still
    /// Unconnected. `.any` is dual-stack, `.anyIPv4`/`.anyIPv6` one family only.
    /// Qt: `bind(const QHostAddress &, quint16, BindMode)`.
    @discardableResult
    public func bind(_ address: QHostAddress, _ port: UInt16 = 0, _ mode: BindMode = .defaultForPlatform) -> Bool {
        qkitAssertAffinity("bind")
        guard state == .unconnected else {
            report(.operation, "Operation on socket is not permitted in this state (already bound to \(localAddress):\(localPort))")
            return false
        }
        let subject = "\(address.protocol == .ipv6 ? "[\(address)]" : address.toString()):\(port)"
        guard !address.isNull else {
            report(.socketAddressNotAvailable, "The address is not available (\(subject): null address)")
            return false
        }
        guard openDescriptor(for: address, subject: subject) else { return false }
        if mode.contains(.shareAddress) || mode.contains(.reuseAddressHint) {
            try? Posix.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        } else if mode.contains(.dontShareAddress) {
            try? Posix.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 0)
        }
        do {
            try Posix.bindSocket(fd, SocketAddress(address, port: port))
        } catch let e as Errno {
            releaseDescriptor()
            if let (code, text) = SocketErrors.forBind(e, subject) {
                report(code, text)
            } else {
                setErrorString("Unknown error" + SocketErrors.detail(e, subject))
                errorOccurred.emit(error)
            }
            return false
        } catch {
            return false
        }
        refreshLocalAddress()
        if address == .any { localAddress = .any }
        setState(.bound)
        if state == .bound { armReadyRead() }
        return true
    }

    /// Binds to `.any`:`port`. Qt: `bind(quint16, BindMode)`.
    @discardableResult
    public func bind(port: UInt16 = 0, mode: BindMode = .defaultForPlatform) -> Bool {
        bind(.any, port, mode)
    }

    /// Creates the descriptor for `address`'s family (`.any`: dual-stack IPv6).
    func openDescriptor(for address: QHostAddress, subject: String) -> Bool {
        let v4 = address.protocol == .ipv4
        do {
            fd = try Posix.openSocket(domain: v4 ? AF_INET : AF_INET6, type: Int32(SOCK_DGRAM.rawValue))
        } catch let e as Errno {
            let (code, text) = SocketErrors.forSocket(e, subject)
            report(code, text)
            return false
        } catch {
            return false
        }
        family = v4 ? AF_INET : AF_INET6
        if !v4 {
            dualStack = address.protocol == .any
            try? Posix.setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, dualStack ? 0 : 1)
            try? Posix.setOption(fd, Int32(IPPROTO_IPV6), IPV6_RECVPKTINFO, 1)
            try? Posix.setOption(fd, Int32(IPPROTO_IPV6), IPV6_RECVHOPLIMIT, 1)
        }
        if v4 || dualStack {
            try? Posix.setOption(fd, Int32(IPPROTO_IP), IP_PKTINFO, 1)
            try? Posix.setOption(fd, Int32(IPPROTO_IP), IP_RECVTTL, 1)
        }
        // Qt's engine allows broadcast on every UDP socket.
        try? Posix.setOption(fd, SOL_SOCKET, SO_BROADCAST, 1)
        return true
    }

    // MARK: readyRead arming (QT_BEHAVIOUR 3.6)

    /// After a read: readyRead again on the next pass if datagrams wait in the inbox,
    /// otherwise when the kernel has the next one (one readyRead, then nothing until a read).
    func armReadyRead() {
        guard fd >= 0 else { return }
        if inboxCount > 0 {
            guard !readyReadPosted else { return }
            readyReadPosted = true
            qkitPost { [weak self] in
                guard let self else { return }
                self.readyReadPosted = false
                if self.fd >= 0 && self.inboxCount > 0 { self.emitReadyRead() } else { self.armKernelNotifier() }
            }
            return
        }
        armKernelNotifier()
    }

    private func armKernelNotifier() {
        guard fd >= 0 else { return }
        if let readNotifier {
            readNotifier.setEnabled(true)
            return
        }
        let n = QSocketNotifier(fd, .read)
        n.activated.connect(receiver: self) { socket, _ in socket.datagramArrived() }
        readNotifier = n
    }

    private func datagramArrived() {
        readNotifier?.setEnabled(false)
        fillInbox()
        emitReadyRead()
    }

    /// Takes up to 16 waiting datagrams with one syscall (MultiMessageHeader must match C's
    /// `struct mmsghdr`, 64 bytes on 64-bit Linux).
    @discardableResult
    func fillInbox() -> Errno? {
        guard fd >= 0, inboxCount == 0 else { return nil }
        inbox.removeAll(keepingCapacity: true)
        inboxHead = 0
        do {
            inbox = try Posix.receiveBatch(fd, limit: BatchScratch.slots)
            return nil
        } catch {
            if error.code == ECONNREFUSED { pendingRefusal = error }
            return error
        }
    }

    /// Takes the inbox's first datagram.
    func popInbox() -> BatchedDatagram {
        let datagram = inbox[inboxHead]
        inbox[inboxHead].data = []
        inboxHead += 1
        if inboxHead == inbox.count {
            inbox.removeAll(keepingCapacity: true)
            inboxHead = 0
        }
        return datagram
    }

    func emitReadyRead() {
        guard !emittingReadyRead else { return }
        emittingReadyRead = true
        readyRead.emit()
        emittingReadyRead = false
    }

    override func tearDownNotifiers() {
        inbox.removeAll()
        inboxHead = 0
        pendingRefusal = nil
        readNotifier?.setEnabled(false)
        readNotifier?.delete()
        readNotifier = nil
    }

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

    /// Peeks at the next datagram's size, keeping an ICMP refusal for the next read.
    func pendingSize() -> Int? {
        if inboxCount > 0 { return inbox[inboxHead].data.count }
        switch Posix.pendingDatagramSize(fd) {
        case .done(let size): return size
        case .wouldBlock: return nil
        case .failed(let e):
            if e.code == ECONNREFUSED { pendingRefusal = e }
            return nil
        }
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
        guard let datagram = receive(into: buffer) else { return (-1, .null, 0) }
        let (host, port) = datagram.sender?.hostAndPort ?? (.null, 0)
        return (Int64(datagram.copied), host, port)
    }

    /// Reads one datagram, at most `maxSize` bytes of it (0: discard it); nil when none is
    /// waiting or the socket is unbound. Qt: `readDatagram(maxSize)`.
    public func readDatagram(_ maxSize: Int64) -> (data: [UInt8], host: QHostAddress, port: UInt16)? {
        if fd >= 0 && inboxCount == 0 && pendingRefusal == nil { fillInbox() }
        if fd >= 0 && inboxCount > 0 && pendingRefusal == nil {
            // The bytes were already taken from the kernel: hand over that array.
            var datagram = popInbox()
            armReadyRead()
            let keep = Int(max(0, maxSize))
            if datagram.data.count > keep { datagram.data.removeLast(datagram.data.count - keep) }
            let (host, port) = datagram.info.sender?.hostAndPort ?? (.null, 0)
            return (datagram.data, host, port)
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
        var datagram = QNetworkDatagram(data)
        (datagram.senderAddress, datagram.senderPort) = received.sender?.hostAndPort ?? (.null, 0)
        if let destination = received.destination {
            datagram.destinationAddress = destination.host
            datagram.destinationPort = localPort
        }
        datagram.hopLimit = received.hopLimit
        datagram.interfaceIndex = received.interfaceIndex
        return datagram
    }

    /// One recvmsg with Qt's error handling; re-arms readyRead whatever happens.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> ReceivedDatagram? {
        guard fd >= 0 else {
            qkitWarning("QUdpSocket::readDatagram() called on a QUdpSocket when not in QUdpSocket::BoundState")
            return nil
        }
        defer { armReadyRead() }
        if let refusal = pendingRefusal {
            // A peek already consumed the ICMP error: report it on this read.
            pendingRefusal = nil
            let (code, text) = SocketErrors.forReceive(refusal, "\(peerAddress):\(peerPort)")
            report(code, text)
            return nil
        }
        var failure: Errno?
        if inboxCount == 0 { failure = fillInbox() }
        if inboxCount > 0 {
            var datagram = popInbox()
            let n = min(buffer.count, datagram.data.count)
            if n > 0 {
                datagram.data.withUnsafeBytes { source in
                    buffer.baseAddress!.copyMemory(from: source.baseAddress!, byteCount: n)
                }
            }
            datagram.info.copied = n
            return datagram.info
        }
        if let failure {
            pendingRefusal = nil
            let (code, text) = SocketErrors.forReceive(failure, "\(localAddress):\(localPort)")
            report(code, text)
        } else {
            report(.temporary, "No datagram available for reading")
        }
        return nil
    }

    // MARK: writing

    /// Sends one datagram to `host`:`port`; returns its size (0 for an empty one) and emits
    /// `bytesWritten`, or −1 with `errorOccurred` (DatagramTooLargeError above 65507 bytes on
    /// IPv4, 65527 on IPv6). An unbound socket binds to `.any` first (`stateChanged(.bound)`).
    /// Qt: `writeDatagram(const QByteArray &, const QHostAddress &, quint16)`.
    @discardableResult
    public func writeDatagram(_ data: UnsafeRawBufferPointer, _ host: QHostAddress, _ port: UInt16) -> Int64 {
        qkitAssertAffinity("writeDatagram")
        if state == .unconnected {
            guard bind(.any, 0) else { return -1 }
        }
        guard fd >= 0 else { return -1 }
        return sendDatagram(data, to: destination(for: host, port: port)) {
            "\(host.protocol == .ipv6 ? "[\(host)]" : host.toString()):\(port)"
        }
    }

    /// One send with Qt's reporting: bytesWritten on success, errorOccurred on failure.
    /// `target` nil sends to the connected peer; `subject` names it in error texts.
    func sendDatagram(_ data: UnsafeRawBufferPointer, to target: SocketAddress?, subject: () -> String) -> Int64 {
        do {
            switch try Posix.send(fd, data, to: target) {
            case .done(let n):
                bytesWritten.emit(Int64(n))
                return Int64(n)
            case .wouldBlock:
                report(.temporary, "Unable to send a datagram (\(subject()): the send buffer is full)")
                return -1
            }
        } catch let e as Errno {
            let (code, text) = SocketErrors.forSend(e, subject())
            report(code, text)
            return -1
        } catch {
            return -1
        }
    }

    /// Sends bytes as one datagram. Qt: `writeDatagram(const QByteArray &, host, port)`.
    @discardableResult
    public func writeDatagram(_ data: [UInt8], _ host: QHostAddress, _ port: UInt16) -> Int64 {
        data.withUnsafeBytes { writeDatagram($0, host, port) }
    }

    /// Sends UTF-8 text as one datagram.
    @discardableResult
    public func writeDatagram(_ text: String, _ host: QHostAddress, _ port: UInt16) -> Int64 {
        var copy = text
        return copy.withUTF8 { writeDatagram(UnsafeRawBufferPointer($0), host, port) }
    }

    /// Sends a datagram to its destination (with its hop limit, when set).
    /// Qt: `writeDatagram(const QNetworkDatagram &)`.
    @discardableResult
    public func writeDatagram(_ datagram: QNetworkDatagram) -> Int64 {
        if datagram.hopLimit >= 0, fd >= 0 || state == .unconnected {
            if state == .unconnected { guard bind(.any, 0) else { return -1 } }
            let unicast = datagram.destinationAddress.protocol == .ipv6 || dualStack
                ? (Int32(IPPROTO_IPV6), IPV6_UNICAST_HOPS) : (Int32(IPPROTO_IP), IP_TTL)
            try? Posix.setOption(fd, unicast.0, unicast.1, Int32(datagram.hopLimit))
        }
        return writeDatagram(datagram.data, datagram.destinationAddress, datagram.destinationPort)
    }

    /// The kernel address for a destination, mapped to IPv6 on an IPv6 socket.
    func destination(for host: QHostAddress, port: UInt16) -> SocketAddress {
        if family == AF_INET6, host.protocol == .ipv4 {
            return SocketAddress(QHostAddress(ipv6: host.toIPv6Address()), port: port)
        }
        return SocketAddress(host, port: port)
    }

    /// UDP has no read buffer: Qt ignores a read buffer size.
    public func setReadBufferSize(_ size: Int64) {}

    /// Qt's destructor aborts the socket (deleting the parent closes it).
    public override func willDestroy() {
        abort()
        super.willDestroy()
    }

    // MARK: QIODevice overrides (bodies in QUdpSocket+Connection.swift)

    /// Connected: aboutToClose, then Closing → Unconnected → readChannelFinished →
    /// disconnected, and the device closes. Bound: as `disconnectFromHost`. Qt: `close()`.
    public override func close() { closeSocket() }

    /// Connected: reads one datagram (truncated to the buffer). Re-arms readyRead.
    public override func readData(into buffer: UnsafeMutableRawBufferPointer) -> Int64 { readConnected(into: buffer) }

    /// Connected: sends the bytes as one datagram and emits `bytesWritten`.
    public override func writeData(_ buffer: UnsafeRawBufferPointer) -> Int64 { writeConnected(buffer) }

    /// The kernel's count for the next datagram (do not use it to detect datagrams).
    public override var bytesAvailable: Int64 { kernelBytesAvailable }

    /// True when no datagram is waiting.
    public override var atEnd: Bool { !hasPendingDatagramsQuietly }

    /// Blocks until a datagram is waiting (then emits readyRead inside the call, unless
    /// called from a readyRead slot) and returns true; false at once when Unconnected; on
    /// time-out false with SocketTimeoutError, the socket stays usable. Qt: `waitForReadyRead()`.
    public override func waitForReadyRead(_ msecs: Int = 30000) -> Bool { waitForDatagram(msecs) }

    /// UDP buffers nothing: always false. Qt: `waitForBytesWritten()`.
    public override func waitForBytesWritten(_ msecs: Int = 30000) -> Bool { false }

    /// True when connected (an IP literal connects at once). Qt: `waitForConnected()`.
    public override func waitForConnected(_ msecs: Int = 30000) -> Bool { state == .connected }

    /// True once unconnected. Qt: `waitForDisconnected()`.
    public override func waitForDisconnected(_ msecs: Int = 30000) -> Bool { state == .unconnected }
}
