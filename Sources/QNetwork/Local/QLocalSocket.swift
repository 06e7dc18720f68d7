@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

/// Qt's `QLocalSocket`: a Unix domain stream socket, reached by a name (Qt's name → path
/// rule, so Qt and PySide programs meet it) or a path. On Linux connecting is synchronous:
/// `connected` or `errorOccurred` has been emitted when `connectToServer` returns.
public final class QLocalSocket: QIODevice {
    /// Qt's `QLocalSocket::LocalSocketState` (same raw values).
    public enum LocalSocketState: Int, Sendable {
        /// Not connected.
        case unconnected = 0
        /// Connecting (only while the server's backlog is full).
        case connecting = 2
        /// Connected.
        case connected = 3
        /// Closing: waiting for buffered data to be written.
        case closing = 6
    }

    /// Qt's `QLocalSocket::LocalSocketError` (same raw values as QAbstractSocket's).
    /// The Qt 4 docs call it "LocalServerError" and its getter "socketError()".
    public enum LocalSocketError: Int, Sendable, Error {
        /// The server refused (no listener on the file, or a stale file).
        case connectionRefused = 0
        /// The peer closed the connection.
        case peerClosed = 1
        /// No such name (no file, a bad name).
        case serverNotFound = 2
        /// Permission denied.
        case socketAccess = 3
        /// Out of resources (descriptors).
        case socketResource = 4
        /// An operation timed out.
        case socketTimeout = 5
        /// The datagram was too large (not used by stream sockets).
        case datagramTooLarge = 6
        /// A connection error.
        case connection = 7
        /// The OS does not support the operation.
        case unsupportedSocketOperation = 10
        /// The operation is not allowed in this state.
        case operation = 19
        /// An unidentified error.
        case unknownSocket = -1
    }

    /// Emitted when connected. Qt: `connected()`.
    public let connected = Signal0()
    /// Emitted when disconnected (Qt 4 docs' "disconnectedFromServer" never existed). Qt: `disconnected()`.
    public let disconnected = Signal0()
    /// Emitted on an error, after `error`/`errorString` are set. Qt: `errorOccurred()` (Qt 4: `error()`).
    public let errorOccurred = Signal<LocalSocketError>()
    /// Emitted when the state really changes, with `state` already updated. Qt: `stateChanged()`.
    public let stateChanged = Signal<LocalSocketState>()

    // Owner-thread state with no access spanning user code: run-time exclusivity checks off
    // (see QIODevice).
    /// The current state. Qt: `state()`.
    @exclusivity(unchecked) public internal(set) var state: LocalSocketState = .unconnected
    /// The last error (`.unknownSocket` until one happens). Qt: `error()`.
    public internal(set) var error: LocalSocketError = .unknownSocket
    /// What the last error's operation was, on which path, and the OS's reason
    /// ("connect /tmp/x: Connection refused"); `errorString` stays Qt's exact text.
    /// QKit only; Qt has no counterpart.
    public internal(set) var errorDetail = ""
    /// The name as given to `connectToServer`/`setServerName`; empty after a disconnect.
    /// Qt: `serverName()`.
    public internal(set) var serverName: String = ""
    /// The resolved path (or abstract name) once connected; empty after a disconnect.
    /// Qt: `fullServerName()`.
    public internal(set) var fullServerName: String = ""
    /// Connect to an abstract name (`.abstractNamespace`); settable only while Unconnected.
    /// Qt: `socketOptions()` / `setSocketOptions()`.
    @exclusivity(unchecked) public var socketOptions: QLocalServer.SocketOptions = [] {
        didSet {
            if state != .unconnected {
                qkitWarning("QLocalSocket::setSocketOptions() called while not in unconnected state")
                socketOptions = oldValue
            }
        }
    }
    /// The most bytes kept unread (0 = unlimited). A limit stops reading from the kernel; it
    /// never drops data. Qt: `readBufferSize()` / `setReadBufferSize()`.
    @exclusivity(unchecked) public var readBufferSize: Int64 = 0 {
        didSet { if readBufferSize == 0 || Int64(qkitBufferedCount) < readBufferSize { resumeReading() } }
    }

    /// Qt: `setReadBufferSize(qint64)`.
    public func setReadBufferSize(_ size: Int64) { readBufferSize = max(0, size) }

    /// Qt: `setSocketOptions()` (only while Unconnected).
    public func setSocketOptions(_ options: QLocalServer.SocketOptions) { socketOptions = options }

    @exclusivity(unchecked) var fd: Int32 = -1
    @exclusivity(unchecked) var writeBuffer = ByteQueue()
    @exclusivity(unchecked) var readNotifier: QSocketNotifier?
    @exclusivity(unchecked) var writeNotifier: QSocketNotifier?
    @exclusivity(unchecked) var flushScheduled = false
    @exclusivity(unchecked) var emittingReadyRead = false
    /// Bytes the next read from the kernel may take: 4 KiB, doubled (to 256 KiB) each time a
    /// read fills it. A socket that exchanges small messages keeps a one-page read buffer;
    /// a bulk stream reaches 256 KiB reads within six, about what the kernel buffers for a
    /// local socket, so one read takes what a wake-up found (64 KiB reads took four:
    /// 1 GiB on one CPU went 3.19 -> 3.36 GB/s).
    @exclusivity(unchecked) var readChunk = 4096
    @exclusivity(unchecked) var emittingBytesWritten = false
    /// disconnectFromServer/close wait for the write buffer to drain.
    @exclusivity(unchecked) var closeWhenFlushed = false
    var requestedMode: OpenMode = .readWrite
    var pendingAddress: SocketAddress?
    var pendingFullName = ""

    /// Creates an unconnected socket.
    public override init(parent: QObject? = nil) {
        super.init(parent: parent)
    }

    deinit {
        if fd >= 0 { Posix.close(fd) }
    }

    /// Qt's destructor aborts the connection.
    public override func willDestroy() {
        abort()
        super.willDestroy()
    }

    /// A stream: sequential.
    public override var isSequential: Bool { true }

    /// True while connected (or connecting/closing with a descriptor). Qt: `isValid()`.
    public var isValid: Bool { fd >= 0 && state != .unconnected }

    /// The descriptor, −1 when none. Qt: `socketDescriptor()`.
    public var socketDescriptor: Int32 { fd }

    /// Bytes buffered, waiting to be written. Qt: `bytesToWrite()`.
    public override var bytesToWrite: Int64 { Int64(writeBuffer.count) }

    /// Sets the name `connectToServer(_ mode:)` will use (only while Unconnected).
    /// Qt: `setServerName()`.
    public func setServerName(_ name: String) {
        guard state == .unconnected else {
            qkitWarning("QLocalSocket::setServerName() called while not in unconnected state")
            return
        }
        serverName = name
    }

    func setState(_ newState: LocalSocketState) {
        guard newState != state else { return }
        state = newState
        stateChanged.emit(newState)
    }

    /// Sets `error`, `errorString` (Qt's text) and `errorDetail` (the text when empty), then
    /// emits `errorOccurred`.
    func report(_ code: LocalSocketError, _ text: String, detail: String = "") {
        error = code
        setErrorString(text)
        errorDetail = detail.isEmpty ? text : detail
        qkitDebug("\(qkitDescription): \(code.qtName): \(errorDetail)")
        errorOccurred.emit(code)
    }

    // MARK: connecting (synchronous on Linux: Connecting → Connected → connected, or Connecting → errorOccurred → Unconnected)

    /// Connects to the server called `name` (see `QLocalServer.listen`). Success and failure
    /// are reported before it returns (failure: Connecting → errorOccurred → Unconnected).
    /// Qt: `connectToServer(const QString &, OpenMode)`.
    public func connectToServer(_ name: String, _ mode: OpenMode = .readWrite) {
        guard state == .unconnected else { return refuseConnectInState() }
        serverName = name
        connectToServer(mode)
    }

    /// Connects to `serverName`. Qt: `connectToServer(OpenMode)`.
    public func connectToServer(_ mode: OpenMode = .readWrite) {
        qkitAssertAffinity("connectToServer")
        guard state == .unconnected else { return refuseConnectInState() }
        requestedMode = mode
        setState(.connecting)
        let abstract = socketOptions.contains(.abstractNamespace)
        guard let (address, full) = LocalName.address(serverName, abstract: abstract) else {
            let why =
                serverName.isEmpty
                ? "the name is empty" : "\(serverName): the path is longer than \(LocalName.maximumLength) bytes"
            return failConnect(.serverNotFound, "QLocalSocket::connectToServer: Invalid name", detail: "connect: \(why)")
        }
        do {
            fd = try Posix.openSocket(domain: AF_UNIX, type: Int32(SOCK_STREAM.rawValue))
        } catch let e {
            let (code, text) = SocketErrors.forLocalSocket(e)
            return failConnect(code, text, detail: "socket for \(serverName): \(e.reason)")
        }
        pendingAddress = address
        pendingFullName = full
        attemptConnect()
    }

    /// One connect attempt: done, failed, or (backlog full) retried when writable.
    func attemptConnect() {
        guard let address = pendingAddress else { return }
        let full = pendingFullName
        do {
            if try Posix.connect(fd, address) {
                pendingAddress = nil
                finishConnect(full)
            } else {
                waitToRetryConnect()
            }
        } catch let e {
            if e.code == EAGAIN {
                waitToRetryConnect()
                return
            }
            pendingAddress = nil
            let (code, text) = SocketErrors.forLocalConnect(e)
            failConnect(code, text, detail: "connect \(full): \(e.reason)")
        }
    }

    private func waitToRetryConnect() {
        guard writeNotifier == nil else {
            writeNotifier?.setEnabled(true)
            return
        }
        let n = QSocketNotifier(fd, .write)
        n.activated.connect(receiver: self) { socket, _ in socket.writable() }
        writeNotifier = n
    }

    private func finishConnect(_ full: String) {
        fullServerName = full
        qkitSetOpenMode(requestedMode)
        setState(.connected)
        armReading()
        connected.emit()
    }

    private func failConnect(_ code: LocalSocketError, _ text: String, detail: String) {
        report(code, text, detail: detail)
        dropDescriptor()
        setState(.unconnected)
        serverName = ""
        fullServerName = ""
        qkitSetOpenMode(.notOpen)
    }

    private func refuseConnectInState() {
        report(.operation, "QLocalSocket::connectToserver: Operation not permitted when socket is in this state")
    }

    /// Adopts a connected descriptor (accepted by a server): no signals. QLocalServer uses it.
    func adoptAccepted(_ descriptor: Int32, serverPath: String, abstract: Bool) {
        // Qt 6 reads the option back from the accepted socket's address (set while Unconnected).
        if abstract { socketOptions.insert(.abstractNamespace) }
        fd = descriptor
        state = .connected
        serverName = abstract ? serverPath : LocalName.lastComponent(serverPath)
        fullServerName = serverPath
        qkitSetOpenMode(.readWrite)
        armReading()
    }

    /// Takes over an open descriptor in `socketState` (Connected by default); false for a
    /// negative descriptor. Qt: `setSocketDescriptor()`.
    @discardableResult
    public func setSocketDescriptor(
        _ descriptor: Int32, _ socketState: LocalSocketState = .connected, _ mode: OpenMode = .readWrite
    ) -> Bool {
        guard descriptor >= 0 else { return false }
        if fd >= 0 { abort() }
        fd = descriptor
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        nameAfterAddress(descriptor)
        qkitSetOpenMode(mode)
        setState(socketState)
        if socketState == .connected { armReading() }
        return true
    }

    /// As Qt 6 does for an adopted descriptor: the names (and the abstract option) come from
    /// the peer's address, or from the socket's own when the peer has none (accepted sockets).
    private func nameAfterAddress(_ descriptor: Int32) {
        var bytes: [UInt8] = []
        if case .unix(let peer)? = try? Posix.peerAddress(descriptor) { bytes = peer }
        if bytes.isEmpty, case .unix(let local)? = try? Posix.localAddress(descriptor) { bytes = local }
        guard !bytes.isEmpty else { return }
        let abstract = bytes.first == 0
        let name = String(decoding: abstract ? bytes.dropFirst() : bytes.prefix { $0 != 0 }, as: UTF8.self)
        guard !name.isEmpty else { return }
        fullServerName = name
        serverName = abstract ? name : LocalName.lastComponent(name)
        if abstract { socketOptions.insert(.abstractNamespace) } else { socketOptions.remove(.abstractNamespace) }
    }

    func dropDescriptor() {
        readNotifier?.setEnabled(false)
        readNotifier?.delete()
        readNotifier = nil
        writeNotifier?.setEnabled(false)
        writeNotifier?.delete()
        writeNotifier = nil
        if fd >= 0 { Posix.close(fd) }
        fd = -1
    }

    // MARK: QIODevice overrides (bodies in the QLocalSocket+ files)

    /// aboutToClose (still Connected) → Closing → (at once, or after the pending data is
    /// written) Unconnected → readChannelFinished → disconnected. The device closes at once.
    /// Qt: `close()`.
    public override func close() { closeSocket() }

    /// Buffers the bytes and returns their count; they are written on the next loop pass,
    /// by `flush()` or by `waitForBytesWritten()`. −1 when not connected.
    public override func writeData(_ buffer: UnsafeRawBufferPointer) -> Int64 { bufferWrite(buffer) }

    /// A read freed buffer space: read from the kernel again.
    public override func didConsume(_ count: Int64) {
        if readBufferSize > 0 { resumeReading() }
    }

    /// Blocks until new data arrived (readyRead is emitted inside; true); on time-out false
    /// with SocketTimeoutError (still Connected); false at once when the peer closes (with
    /// the peer-close sequence). Qt: `waitForReadyRead()`.
    public override func waitForReadyRead(_ msecs: Int = 30000) -> Bool { waitForData(msecs) }

    /// Blocks until buffered data was written (bytesWritten is emitted inside; true), or
    /// `msecs` pass, or the peer is gone (false). Qt: `waitForBytesWritten()`.
    public override func waitForBytesWritten(_ msecs: Int = 30000) -> Bool { waitForWritten(msecs) }

    /// The write notifier: a pending connect or a full kernel buffer.
    func writable() {
        if state == .connecting {
            writeNotifier?.setEnabled(false)
            attemptConnect()
            return
        }
        writeNotifier?.setEnabled(false)
        _ = flushWriteBuffer()
    }
}
