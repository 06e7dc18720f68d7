extension QAbstractSocket {
    /// Qt's `QAbstractSocket::SocketType` (same raw values).
    public enum SocketType: Int, Sendable {
        /// TCP (not provided by QKit yet).
        case tcp = 0
        /// UDP.
        case udp = 1
        /// SCTP (not provided).
        case sctp = 2
        /// Unknown.
        case unknown = -1
    }

    /// Qt's `QAbstractSocket::SocketState` (same raw values).
    public enum SocketState: Int, Sendable {
        /// Not connected or bound.
        case unconnected = 0
        /// Looking up the host (transient for IP literals).
        case hostLookup = 1
        /// Connecting (transient for UDP).
        case connecting = 2
        /// Connected to a peer.
        case connected = 3
        /// Bound to a local address and port.
        case bound = 4
        /// Listening (servers).
        case listening = 5
        /// About to close.
        case closing = 6
    }

    /// Qt's `QAbstractSocket::SocketError` (every case, same raw values).
    public enum SocketError: Int, Sendable, Error {
        /// The peer refused the connection (or, for UDP, an ICMP port unreachable came back).
        case connectionRefused = 0
        /// The remote host closed the connection.
        case remoteHostClosed = 1
        /// The host address was not found.
        case hostNotFound = 2
        /// The operation was denied (e.g. a protected port).
        case socketAccess = 3
        /// Out of resources (descriptors, memory).
        case socketResource = 4
        /// The operation timed out.
        case socketTimeout = 5
        /// The datagram was larger than the OS limit.
        case datagramTooLarge = 6
        /// A network error (e.g. unreachable).
        case network = 7
        /// The address is already in use.
        case addressInUse = 8
        /// The address does not belong to this host.
        case socketAddressNotAvailable = 9
        /// The OS does not support the operation.
        case unsupportedSocketOperation = 10
        /// Used by QAbstractSocketEngine only.
        case unfinishedSocketOperation = 11
        /// Proxy authentication required.
        case proxyAuthenticationRequired = 12
        /// SSL handshake failed.
        case sslHandshakeFailed = 13
        /// The proxy refused the connection.
        case proxyConnectionRefused = 14
        /// The proxy closed the connection.
        case proxyConnectionClosed = 15
        /// The proxy timed out.
        case proxyConnectionTimeout = 16
        /// The proxy was not found.
        case proxyNotFound = 17
        /// The proxy protocol failed.
        case proxyProtocol = 18
        /// The operation is not allowed in the socket's current state.
        case operation = 19
        /// SSL library error.
        case sslInternal = 20
        /// Invalid SSL data.
        case sslInvalidUserData = 21
        /// A temporary error (e.g. nothing to read now); try again.
        case temporary = 22
        /// An unidentified error.
        case unknownSocket = -1
    }

    /// Qt's `QAbstractSocket::SocketOption` (same raw values).
    public enum SocketOption: Int, Sendable {
        /// TCP_NODELAY (TCP only).
        case lowDelay = 0
        /// SO_KEEPALIVE (TCP only).
        case keepAlive = 1
        /// IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS (0-255).
        case multicastTtl = 2
        /// IP_MULTICAST_LOOP / IPV6_MULTICAST_LOOP (0 or 1).
        case multicastLoopback = 3
        /// IP_TOS.
        case typeOfService = 4
        /// SO_SNDBUF.
        case sendBufferSize = 5
        /// SO_RCVBUF.
        case receiveBufferSize = 6
        /// IP_MTU (read only).
        case pathMtu = 7
    }

    /// Qt's `QAbstractSocket::BindFlag` set.
    public struct BindMode: OptionSet, Sendable {
        public let rawValue: Int
        /// Creates a bind mode from Qt's raw bits.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Sets SO_REUSEADDR: other sockets that also share may bind the same port.
        public static let shareAddress = BindMode(rawValue: 0x1)
        /// Clears SO_REUSEADDR.
        public static let dontShareAddress = BindMode(rawValue: 0x2)
        /// Sets SO_REUSEADDR (Qt 5/6 code does on Unix, whatever older docs say).
        public static let reuseAddressHint = BindMode(rawValue: 0x4)
        /// Touches no option (the OS default: not shared).
        public static let defaultForPlatform: BindMode = []
    }

    /// Qt's `QAbstractSocket::NetworkLayerProtocol`.
    public typealias NetworkLayerProtocol = QHostAddress.NetworkLayerProtocol
}
