#if canImport(Glibc)
import Glibc
#endif

/// errno → Qt error codes and texts for QAbstractSocket operations (QT_BEHAVIOUR 3.2–3.4).
/// Texts are Qt's, followed by what failed and the OS reason, so a person can act on them.
enum SocketErrors {
    static func detail(_ e: Errno, _ subject: String) -> String {
        " (\(subject): \(e.reason))"
    }

    /// Failures creating the descriptor (the `socket` call).
    static func forSocket(_ e: Errno, _ subject: String) -> (QAbstractSocket.SocketError, String) {
        switch e.code {
        case EPROTONOSUPPORT, EAFNOSUPPORT, EINVAL:
            return (.unsupportedSocketOperation, "Unsupported socket operation" + detail(e, subject))
        case ENFILE, EMFILE, ENOBUFS, ENOMEM:
            return (.socketResource, "Insufficient resources" + detail(e, subject))
        case EACCES:
            return (.socketAccess, "Permission denied" + detail(e, subject))
        default:
            return (.unknownSocket, "Unknown error" + detail(e, subject))
        }
    }

    /// Failures binding (the `bind` call); nil for an errno Qt leaves unmapped (error unchanged).
    static func forBind(_ e: Errno, _ subject: String) -> (QAbstractSocket.SocketError, String)? {
        switch e.code {
        case EADDRINUSE: return (.addressInUse, "The bound address is already in use" + detail(e, subject))
        case EACCES: return (.socketAccess, "The address is protected" + detail(e, subject))
        case EADDRNOTAVAIL: return (.socketAddressNotAvailable, "The address is not available" + detail(e, subject))
        case EINVAL: return (.unsupportedSocketOperation, "Unsupported socket operation" + detail(e, subject))
        default: return nil
        }
    }

    /// Failures sending (the `sendto` call).
    static func forSend(_ e: Errno, _ subject: String) -> (QAbstractSocket.SocketError, String) {
        switch e.code {
        case EMSGSIZE: return (.datagramTooLarge, "Datagram was too large to send" + detail(e, subject))
        case ECONNRESET: return (.remoteHostClosed, "The remote host closed the connection" + detail(e, subject))
        case ECONNREFUSED: return (.connectionRefused, "Connection refused" + detail(e, subject))
        default: return (.network, "Unable to send a message" + detail(e, subject))
        }
    }

    /// Failures receiving (the `recvmsg`/`recvmmsg` calls).
    static func forReceive(_ e: Errno, _ subject: String) -> (QAbstractSocket.SocketError, String) {
        switch e.code {
        case ECONNREFUSED: return (.connectionRefused, "Connection refused" + detail(e, subject))
        default: return (.network, "Unable to receive a message" + detail(e, subject))
        }
    }
}

extension QAbstractSocket.SocketError {
    /// The enumerator's name in Qt's headers ("AddressInUseError"), for logs that Qt users read.
    public var qtName: String { qtEnumeratorName(self) }
}

extension QLocalSocket.LocalSocketError {
    /// The enumerator's name in Qt's headers ("ServerNotFoundError").
    public var qtName: String { qtEnumeratorName(self) }
}

/// Qt names every socket error enumerator after its meaning plus "Error"; the Swift cases
/// drop that suffix and lower the first letter.
private func qtEnumeratorName<E>(_ value: E) -> String {
    let swiftName = String(describing: value)
    return swiftName.prefix(1).uppercased() + swiftName.dropFirst() + "Error"
}
