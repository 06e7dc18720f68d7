#if canImport(Glibc)
import Glibc
#endif

/// An errno value kept with the name of the operation that failed, until it is mapped to a
/// Qt error code. The corresponding C variable is `errno`.
struct Errno: Error, Equatable, CustomStringConvertible {
    let code: Int32
    let operation: String

    init(_ code: Int32, _ operation: String) {
        self.code = code
        self.operation = operation
    }

    /// The OS's text for the code. The corresponding C function is `strerror_r`.
    var reason: String {
        var buffer = [CChar](repeating: 0, count: 256)
        // The XSI strerror_r fills the buffer (thread-safe, unlike strerror).
        guard strerror_r(code, &buffer, buffer.count) == 0 else { return "errno \(code)" }
        return String(cChars: buffer)
    }

    var description: String { "\(operation): \(reason)" }
}

/// The outcome of a non-blocking call: a value, or "would block" (EAGAIN/EWOULDBLOCK).
enum IOResult<Value> {
    case done(Value)
    case wouldBlock

    var value: Value? {
        if case .done(let v) = self { return v }
        return nil
    }
}

/// The system calls QNetwork makes, by the name its error details use.
enum SyscallOperation: String, Sendable {
    case socket, bind, connect, listen, accept, close, shutdown, poll
    case setsockopt, getsockopt, getsockname, getpeername
    case read, send, sendto, sendmsg, sendmmsg, recvfrom, recvmmsg
    case sendSegmented = "sendmsg(UDP_SEGMENT)"
    case chmod, rename
}

/// Makes one call: the real one, or (in test builds) the failure planned for it in
/// `SyscallFaults`, reported through `errno` as the kernel would.
@inline(__always)
func perform<T: BinaryInteger>(_ operation: SyscallOperation, on fd: Int32, _ call: () -> T) -> T {
    #if DEBUG
    if let code = SyscallFaults.take(operation, on: fd) {
        errno = code
        return -1
    }
    #endif
    return call()
}

/// The syscall funnel: retries EINTR, turns EAGAIN into `.wouldBlock`, throws other errno
/// values with the operation's name.
@inline(__always)
func syscall<T: BinaryInteger>(_ operation: SyscallOperation, on fd: Int32, _ call: () -> T) throws(Errno) -> IOResult<T> {
    while true {
        let result = perform(operation, on: fd, call)
        if result >= 0 { return .done(result) }
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
        throw Errno(code, operation.rawValue)
    }
}

/// The funnel for calls that cannot "would block".
@inline(__always)
func syscallOrThrow<T: BinaryInteger>(_ operation: SyscallOperation, on fd: Int32, _ call: () -> T) throws(Errno) -> T {
    while true {
        let result = perform(operation, on: fd, call)
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw Errno(code, operation.rawValue)
    }
}

extension String {
    /// Decodes a NUL-terminated C character buffer.
    init(cChars buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
