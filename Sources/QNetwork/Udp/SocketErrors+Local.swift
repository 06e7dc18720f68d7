#if canImport(Glibc)
import Glibc
#endif

/// errno → Qt's error code and exact text for QLocalSocket and QLocalServer, beside the
/// QAbstractSocket tables so every socket's mapping is in one folder. The operation, the path
/// and the OS reason go to `errorDetail`.
extension SocketErrors {
    /// Failures connecting a local socket (the `connect` call; EAGAIN is retried, not mapped).
    static func forLocalConnect(_ e: Errno) -> (QLocalSocket.LocalSocketError, String) {
        let function = "QLocalSocket::connectToServer"
        switch e.code {
        case ENOENT: return (.serverNotFound, "\(function): Invalid name")
        case ECONNREFUSED, EINVAL: return (.connectionRefused, "\(function): Connection refused")
        case EACCES, EPERM: return (.socketAccess, "\(function): Socket access error")
        case ETIMEDOUT: return (.socketTimeout, "\(function): Socket operation timed out")
        default: return (.unknownSocket, "\(function): Unknown error \(e.code)")
        }
    }

    /// Failures making a local socket's descriptor (the `socket` call).
    static func forLocalSocket(_ e: Errno) -> (QLocalSocket.LocalSocketError, String) {
        (.unsupportedSocketOperation, "QLocalSocket::connectToServer: The socket operation is not supported")
    }

    /// Failures listening (the `socket`, `bind`, `chmod`, `rename` and `listen` calls).
    static func forListen(_ e: Errno) -> (QAbstractSocket.SocketError, String) {
        switch e.code {
        case EADDRINUSE: return (.addressInUse, "QLocalServer::listen: Address in use")
        case EACCES, EPERM: return (.socketAccess, "QLocalServer::listen: Permission denied")
        case ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EROFS: return (.hostNotFound, "QLocalServer::listen: Name error")
        default: return (.unknownSocket, "QLocalServer::listen: Unknown error \(e.code)")
        }
    }

    /// Failures making the server's descriptor (the `socket` call).
    static func forListenSocket(_ e: Errno) -> (QAbstractSocket.SocketError, String) {
        (.socketResource, "QLocalServer::listen: Unknown error \(e.code)")
    }

    /// Failures accepting: Qt's one text for them all; running out of descriptors or memory
    /// is a resource error (the server pauses and retries), anything else unknown.
    static func forAccept(_ e: Errno) -> (QAbstractSocket.SocketError, String) {
        let code: QAbstractSocket.SocketError =
            e.code == EMFILE || e.code == ENFILE || e.code == ENOBUFS || e.code == ENOMEM ? .socketResource : .unknownSocket
        return (code, "QLocalSocket::activated: Unknown error \(e.code)")
    }
}
