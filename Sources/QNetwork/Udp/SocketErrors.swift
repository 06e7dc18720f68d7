#if canImport(Glibc)
import Glibc
#endif

/// errno → Qt's error code and Qt's exact error text for QAbstractSocket operations (the
/// texts of Qt 6's native socket engine). What failed, on what, and the OS reason go to
/// `errorDetail` instead, so `errorString` compares equal to Qt's.
enum SocketErrors {
    /// The `errorDetail` line: "bind 127.0.0.1:45454: Address already in use".
    static func detail(_ operation: String, _ subject: String, _ e: Errno) -> String {
        "\(operation) \(subject): \(e.reason)"
    }

    /// Failures creating the descriptor (the `socket` call).
    static func forSocket(_ e: Errno) -> (QAbstractSocket.SocketError, String) {
        switch e.code {
        case EPROTONOSUPPORT, EAFNOSUPPORT, EINVAL: return (.unsupportedSocketOperation, "Protocol type not supported")
        case ENFILE, EMFILE, ENOBUFS, ENOMEM: return (.socketResource, "Out of resources")
        case EACCES: return (.socketAccess, "Permission denied")
        default: return (.unknownSocket, "Unknown error")
        }
    }

    /// Failures setting a socket option whose loss would change what the socket does
    /// (`IPV6_V6ONLY`, `SO_REUSEADDR`, buffer sizes the application asked for). Qt's engine
    /// ignores these failures; QKit reports them with the texts Qt uses for the same errno.
    static func forOption(_ e: Errno) -> (QAbstractSocket.SocketError, String) {
        switch e.code {
        case ENOBUFS, ENOMEM: return (.socketResource, "Out of resources")
        case EACCES, EPERM: return (.socketAccess, "Permission denied")
        default: return (.unsupportedSocketOperation, "Unsupported socket operation")
        }
    }

    /// Failures binding (the `bind` call); nil for an errno Qt leaves unmapped (error unchanged).
    static func forBind(_ e: Errno) -> (QAbstractSocket.SocketError, String)? {
        switch e.code {
        case EADDRINUSE: return (.addressInUse, "The bound address is already in use")
        case EACCES: return (.socketAccess, "The address is protected")
        case EADDRNOTAVAIL: return (.socketAddressNotAvailable, "The address is not available")
        case EINVAL: return (.unsupportedSocketOperation, "Unsupported socket operation")
        default: return nil
        }
    }

    /// Failures sending (the `sendto`/`sendmsg` calls).
    static func forSend(_ e: Errno) -> (QAbstractSocket.SocketError, String) {
        switch e.code {
        case EMSGSIZE: return (.datagramTooLarge, "Datagram was too large to send")
        case ECONNRESET: return (.remoteHostClosed, "The remote host closed the connection")
        case ECONNREFUSED: return (.connectionRefused, "Connection refused")
        default: return (.network, "Unable to send a message")
        }
    }

    /// Failures receiving (the `recvfrom`/`recvmmsg` calls).
    static func forReceive(_ e: Errno) -> (QAbstractSocket.SocketError, String) {
        switch e.code {
        case ECONNREFUSED: return (.connectionRefused, "Connection refused")
        default: return (.network, "Unable to receive a message")
        }
    }

    /// Failures connecting a UDP socket (the `connect` call).
    static func forConnect(_ e: Errno) -> (QAbstractSocket.SocketError, String) {
        switch e.code {
        case ECONNREFUSED, EINVAL: return (.connectionRefused, "Connection refused")
        case ETIMEDOUT: return (.network, "Connection timed out")
        case EHOSTUNREACH: return (.network, "Host unreachable")
        case ENETUNREACH: return (.network, "Network unreachable")
        case EADDRINUSE: return (.network, "The bound address is already in use")
        case EACCES, EPERM: return (.socketAccess, "Permission denied")
        default: return (.unknownSocket, "Unknown error")
        }
    }
}

/// A socket error code with its enumerator's name in Qt's headers.
public protocol QtSocketErrorCode: Sendable, Equatable {
    /// The enumerator's name in Qt's headers ("AddressInUseError"), for logs that Qt users read.
    var qtName: String { get }
}

extension QAbstractSocket.SocketError: QtSocketErrorCode {
    /// The enumerator's name in Qt's headers ("AddressInUseError"), for logs that Qt users read.
    public var qtName: String { qtEnumeratorName(self) }
}

extension QLocalSocket.LocalSocketError: QtSocketErrorCode {
    /// The enumerator's name in Qt's headers ("ServerNotFoundError").
    public var qtName: String { qtEnumeratorName(self) }
}

/// A socket error as a Swift error, thrown by QKit's async socket APIs: Qt's code and text,
/// and QKit's detail. Qt has no counterpart (Qt reports errors through `errorOccurred`).
public struct QSocketFailure<Code: QtSocketErrorCode>: Error, Equatable, CustomStringConvertible {
    /// Qt's error code. Qt: `error()`.
    public let code: Code
    /// Qt's text for it. Qt: `errorString()`.
    public let errorString: String
    /// What failed, on which address or path, and the OS's reason (`errorDetail`).
    public let errorDetail: String

    /// "ConnectionRefusedError: Connection refused".
    public var description: String { "\(code.qtName): \(errorString)" }
}

/// What `QUdpSocket.datagrams` throws. Qt: `QAbstractSocket::SocketError` with `errorString()`.
public typealias QSocketError = QSocketFailure<QAbstractSocket.SocketError>

/// What QLocalSocket's async calls throw. Qt: `QLocalSocket::LocalSocketError` with `errorString()`.
public typealias QLocalSocketError = QSocketFailure<QLocalSocket.LocalSocketError>

/// Qt names every socket error enumerator after its meaning plus "Error"; the Swift cases
/// drop that suffix and lower the first letter.
private func qtEnumeratorName<E>(_ value: E) -> String {
    let swiftName = String(describing: value)
    return swiftName.prefix(1).uppercased() + swiftName.dropFirst() + "Error"
}
