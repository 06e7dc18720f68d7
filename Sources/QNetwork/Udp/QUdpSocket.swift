@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

/// Qt's `QUdpSocket`: sends and receives datagrams. `bind` (or the first `writeDatagram`)
/// makes it Bound; `readyRead` announces the first waiting datagram and is not emitted again
/// until a datagram is read (any read call re-arms it).
public final class QUdpSocket: QAbstractSocket {
    // The stored state below is the socket's own thread's (public calls check affinity, as
    // Qt requires), so it is `@exclusivity(unchecked)`: the run-time exclusivity checks
    // cost about 80 instructions per datagram sent or read.

    /// Watches the descriptor for incoming datagrams while readyRead is armed.
    @exclusivity(unchecked) var readNotifier: QSocketNotifier?
    /// True while `readNotifier` is on: a read re-arms readyRead without touching the
    /// notifier when it already watches (no reference counting per datagram read).
    @exclusivity(unchecked) var watching = false
    /// True while `readyRead` is being emitted (it is never emitted recursively).
    @exclusivity(unchecked) var emittingReadyRead = false
    /// Datagrams taken from the kernel in one `recvmmsg` ahead of the application's reads
    /// (by `hasPendingDatagrams`, `pendingDatagramSize` and every read but
    /// `readDatagram(into:)`), and a refusal kept for the next read.
    @exclusivity(unchecked) var inbox = DatagramInbox()
    /// A readyRead for datagrams already in the inbox is posted for the next loop pass.
    @exclusivity(unchecked) var readyReadPosted = false
    /// Set by every read (through `armReadyRead`), cleared when readyRead is emitted: no
    /// second readyRead until a read.
    @exclusivity(unchecked) var readSinceReadyRead = true
    /// Batches send runs of equal-size datagrams smaller than this with kernel segmentation
    /// (`writeDatagrams`); lowered when the kernel or the route refuses a size, 0 when the
    /// kernel cannot segment at all.
    @exclusivity(unchecked) var segmentationLimit = Posix.segmentationSupported ? Int.max : 0

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
            // Qt warns and re-emits the error the socket already has, unchanged.
            qkitWarning(
                "QUdpSocket::bind() called on a socket that is not unconnected (\(qkitDescription) is bound to \(localAddress):\(localPort))"
            )
            errorOccurred.emit(error)
            return false
        }
        let subject = "\(address.protocol == .ipv6 ? "[\(address)]" : address.toString()):\(port)"
        guard !address.isNull else {
            // Qt 6.12 answers a null address so (checked with PySide6).
            report(.unsupportedSocketOperation, "Unsupported socket operation", detail: "bind \(subject): null address")
            return false
        }
        guard openDescriptor(for: address, subject: subject) else { return false }
        if mode.contains(.shareAddress) || mode.contains(.reuseAddressHint) {
            guard setRequiredOption(SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR", subject) else { return false }
        } else if mode.contains(.dontShareAddress) {
            guard setRequiredOption(SOL_SOCKET, SO_REUSEADDR, 0, "SO_REUSEADDR", subject) else { return false }
        }
        do {
            try Posix.bindSocket(fd, SocketAddress(address, port: port))
        } catch let e {
            releaseDescriptor()
            let detail = SocketErrors.detail("bind", subject, e)
            if let (code, text) = SocketErrors.forBind(e) {
                report(code, text, detail: detail)
            } else {
                // Qt leaves the error as it was for an errno it does not map.
                errorDetail = detail
                errorOccurred.emit(error)
            }
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
        } catch let e {
            let (code, text) = SocketErrors.forSocket(e)
            report(code, text, detail: SocketErrors.detail("socket for", subject, e))
            return false
        }
        family = v4 ? AF_INET : AF_INET6
        if !v4 {
            dualStack = address.protocol == .any
            // Which families the socket receives depends on it: a failure fails the bind.
            guard setRequiredOption(Int32(IPPROTO_IPV6), IPV6_V6ONLY, dualStack ? 0 : 1, "IPV6_V6ONLY", subject) else {
                return false
            }
            // The RECV options here and IP_PKTINFO/IP_RECVTTL below only add facts to received
            // datagrams (destination, hop limit); as in Qt's engine, a socket that lacks them
            // still works, so their failure is ignored.
            try? Posix.setOption(fd, Int32(IPPROTO_IPV6), IPV6_RECVPKTINFO, 1)
            try? Posix.setOption(fd, Int32(IPPROTO_IPV6), IPV6_RECVHOPLIMIT, 1)
        }
        if v4 || dualStack {
            try? Posix.setOption(fd, Int32(IPPROTO_IP), IP_PKTINFO, 1)
            try? Posix.setOption(fd, Int32(IPPROTO_IP), IP_RECVTTL, 1)
        }
        // Qt's engine allows broadcast on every UDP socket, and ignores a failure as well.
        try? Posix.setOption(fd, SOL_SOCKET, SO_BROADCAST, 1)
        return true
    }

    /// Sets an option the bind depends on; on failure the descriptor is closed, the error
    /// reported (`errorOccurred`, still Unconnected), and false returned.
    private func setRequiredOption(_ level: Int32, _ name: Int32, _ value: Int32, _ optionName: String, _ subject: String) -> Bool
    {
        do {
            try Posix.setOption(fd, level, name, value)
            return true
        } catch {
            releaseDescriptor()
            let (code, text) = SocketErrors.forOption(error)
            report(code, text, detail: SocketErrors.detail("setsockopt \(optionName) for", subject, error))
            return false
        }
    }

    // MARK: readyRead arming (emitted once, then again only after a read)

    /// After a read: readyRead again on the next pass if datagrams wait in the inbox,
    /// otherwise when the kernel has the next one (one readyRead, then nothing until a read).
    /// Inlined: after most reads the inbox is empty and the kernel watch is on, and that
    /// check costs less than the call (callgrind: ~16 instructions per datagram read).
    @inline(__always)
    func armReadyRead() {
        guard fd >= 0 else { return }
        readSinceReadyRead = true
        if inbox.count > 0 || !watching { rearmReadyRead() }
    }

    /// `armReadyRead` when something is to do: a readyRead for the inbox, or the kernel watch.
    @inline(never)
    private func rearmReadyRead() {
        if inbox.count > 0 {
            guard !readyReadPosted else { return }
            readyReadPosted = true
            // Unowned: a posted call holds its object until it runs.
            qkitPost { [unowned self] in
                self.readyReadPosted = false
                guard self.fd >= 0 else { return }
                if self.inbox.count == 0 {
                    self.armKernelNotifier()
                } else if self.readSinceReadyRead {
                    self.emitReadyRead()
                }
                // Otherwise the kernel watch emitted readyRead first and nothing was read since.
            }
            return
        }
        armKernelNotifier()
    }

    /// Watches the descriptor, but only once readyRead has a receiver: a socket nobody
    /// listens to (one that only sends, or reads by polling) stays out of the loop's epoll
    /// set, so the kernel does not wake the loop's watch for every datagram it sends.
    private func armKernelNotifier() {
        guard fd >= 0, !watching else { return }
        if let readNotifier {
            readNotifier.setEnabled(true)
            watching = true
            return
        }
        guard readyRead.receiverCount > 0 else { return }
        let n = QSocketNotifier(fd, .read)
        n.activated.connect(receiver: self) { socket, _ in socket.datagramArrived() }
        readNotifier = n
        watching = true
    }

    /// Turns the kernel watch off until the next read.
    func stopWatching() {
        readNotifier?.setEnabled(false)
        watching = false
    }

    /// Starts watching for datagrams when readyRead gets its first receiver (and no
    /// readyRead is waiting for a read). Qt: `QObject::connectNotify()`.
    public override func connectNotify(_ signal: SignalBase) {
        super.connectNotify(signal)
        if signal === readyRead && readSinceReadyRead && !readyReadPosted { armKernelNotifier() }
    }

    /// The kernel has datagrams: readyRead, unless none was read since the last one (Qt's
    /// rule). The watch stays on while the reader keeps up, so a readyRead costs no watch
    /// change; the first time it fires with no read since the last readyRead it goes off, and
    /// the next read turns it on again. Nothing is taken from the kernel here: the slot's
    /// first read decides how (`readDatagram(into:)` straight into its buffer, the others
    /// a batch into the inbox).
    private func datagramArrived() {
        guard readSinceReadyRead else {
            stopWatching()
            return
        }
        emitReadyRead()
    }

    /// Takes up to `limit` waiting datagrams (at most `BatchScratch.slots`) into the inbox
    /// when it is empty; the failure, if any.
    @discardableResult
    func fillInbox(limit: Int = BatchScratch.slots) -> Errno? {
        guard fd >= 0 else { return nil }
        return inbox.fill(from: fd, limit: limit)
    }

    func emitReadyRead() {
        guard !emittingReadyRead else { return }
        emittingReadyRead = true
        readSinceReadyRead = false
        readyRead.emit()
        emittingReadyRead = false
    }

    override func tearDownNotifiers() {
        inbox.removeAll()
        readSinceReadyRead = true
        stopWatching()
        readNotifier?.delete()
        readNotifier = nil
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
