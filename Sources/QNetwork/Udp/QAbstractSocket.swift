@_spi(QKitInternal) import QCore

/// Qt's `QAbstractSocket`: the state machine, error reporting and addresses shared by
/// sockets. QKit provides the UDP subclass, `QUdpSocket`.
open class QAbstractSocket: QIODevice {
    /// Emitted after the host lookup (at once for an IP literal). Qt: `hostFound()`.
    public let hostFound = Signal0()
    /// Emitted when the connection is established. Qt: `connected()`.
    public let connected = Signal0()
    /// Emitted when the socket has been disconnected (and, as Qt does, when a bound UDP
    /// socket is closed). Qt: `disconnected()`.
    public let disconnected = Signal0()
    /// Emitted when the state changes, with the new state already set. Qt: `stateChanged()`.
    public let stateChanged = Signal<SocketState>()
    /// Emitted when an error occurs, after `error`/`errorString` are set. Qt: `errorOccurred()`
    /// (the Qt 4 `error(SocketError)` signal).
    public let errorOccurred = Signal<SocketError>()

    // The stored state below belongs to the socket's thread (public calls check affinity,
    // as Qt requires), so it is `@exclusivity(unchecked)`: no run-time exclusivity checks on
    // every send and read.

    /// TCP, UDP... Qt: `socketType()`.
    public let socketType: SocketType
    /// The current state. Qt: `state()`.
    @exclusivity(unchecked) public internal(set) var state: SocketState = .unconnected
    /// The last error (`.unknownSocket` until one happens). Qt: `error()`.
    @exclusivity(unchecked) public internal(set) var error: SocketError = .unknownSocket
    /// What the last error's operation was, on which address, and the OS's reason
    /// ("bind 127.0.0.1:45454: Address already in use"); `errorString` stays Qt's exact text.
    /// QKit only; Qt has no counterpart.
    @exclusivity(unchecked) public internal(set) var errorDetail = ""
    /// Errors reported so far (an async reader tells a fresh error from an old one).
    @exclusivity(unchecked) var errorCount = 0

    /// The descriptor, −1 when there is none. Qt: `socketDescriptor()`.
    public var socketDescriptor: Int32 { fd }
    @exclusivity(unchecked) var fd: Int32 = -1
    /// AF_INET or AF_INET6 of the open descriptor.
    @exclusivity(unchecked) var family: Int32 = 0

    /// The local address, null when unbound. Qt: `localAddress()`.
    @exclusivity(unchecked) public internal(set) var localAddress: QHostAddress = .null
    /// The local port, 0 when unbound. Qt: `localPort()`.
    @exclusivity(unchecked) public internal(set) var localPort: UInt16 = 0
    /// The connected peer's address, null when not connected. Qt: `peerAddress()`.
    @exclusivity(unchecked) public internal(set) var peerAddress: QHostAddress = .null
    /// The connected peer's port, 0 when not connected. Qt: `peerPort()`.
    @exclusivity(unchecked) public internal(set) var peerPort: UInt16 = 0
    /// The peer name given to connectToHost. Qt: `peerName()`.
    @exclusivity(unchecked) public internal(set) var peerName: String = ""

    /// Creates an unconnected socket of `socketType`.
    public init(_ socketType: SocketType, parent: QObject? = nil) {
        self.socketType = socketType
        super.init(parent: parent)
    }

    deinit {
        if fd >= 0 { Posix.close(fd) }
    }

    /// Sockets are sequential devices.
    open override var isSequential: Bool { true }

    /// True when the socket has a descriptor. Qt: `isValid()`.
    public var isValid: Bool { fd >= 0 }

    /// Changes the state and emits `stateChanged` when it really changes.
    func setState(_ newState: SocketState) {
        guard newState != state else { return }
        state = newState
        stateChanged.emit(newState)
    }

    /// Sets `error`, `errorString` (Qt's text) and `errorDetail`, then emits `errorOccurred`.
    /// An empty `detail` repeats the text.
    func report(_ code: SocketError, _ text: String, detail: String = "") {
        error = code
        setErrorString(text)
        errorDetail = detail.isEmpty ? text : detail
        errorCount &+= 1
        qkitDebug("\(qkitDescription): \(code.qtName): \(errorDetail)")
        errorOccurred.emit(code)
    }

    /// Refreshes localAddress/localPort from the descriptor.
    func refreshLocalAddress() {
        guard fd >= 0, let address = try? Posix.localAddress(fd) else { return }
        (localAddress, localPort) = address.hostAndPort
        if family == AF_INET6, case .ipv6(let a) = address,
            QHostAddress(ipv6: withUnsafeBytes(of: a.sin6_addr) { Array($0) }) == .anyIPv6
        {
            if dualStack { localAddress = .any }
        }
    }

    /// True for an AF_INET6 socket with IPV6_V6ONLY off.
    var dualStack = false

    /// Closes the descriptor and clears the addresses.
    func releaseDescriptor() {
        tearDownNotifiers()
        if fd >= 0 { Posix.close(fd) }
        fd = -1
        family = 0
        dualStack = false
        localAddress = .null
        localPort = 0
        peerAddress = .null
        peerPort = 0
        peerName = ""
    }

    /// Subclasses drop their notifiers here.
    func tearDownNotifiers() {}

    /// Qt: `setSocketOption()`. Does nothing before the socket exists (bind/connect).
    public func setSocketOption(_ option: SocketOption, _ value: Int) {
        guard fd >= 0 else { return }
        applyOption(option, value)
    }

    /// Qt: `socketOption()`; nil (Qt's invalid QVariant) before the socket exists.
    public func socketOption(_ option: SocketOption) -> Int? {
        guard fd >= 0 else { return nil }
        return readOption(option)
    }

    /// Blocks until connected (true) or `msecs` pass. Qt: `waitForConnected()`.
    open func waitForConnected(_ msecs: Int = 30000) -> Bool { state == .connected }

    /// Blocks until disconnected (true) or `msecs` pass. Qt: `waitForDisconnected()`.
    open func waitForDisconnected(_ msecs: Int = 30000) -> Bool { state == .unconnected }
}

#if canImport(Glibc)
import Glibc
#endif
