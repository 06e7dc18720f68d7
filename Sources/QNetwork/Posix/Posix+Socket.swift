import CQKitNet

#if canImport(Glibc)
import Glibc
#endif

/// Thin typed wrappers over the socket syscalls QNetwork uses. Every descriptor is created
/// non-blocking and close-on-exec.
enum Posix {
    /// Creates a socket. The corresponding C function is `socket`.
    static func openSocket(domain: Int32, type: Int32, protocol proto: Int32 = 0) throws(Errno) -> Int32 {
        try syscallOrThrow(
            .socket, on: -1, { Glibc.socket(domain, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto) })
    }

    /// Closes a descriptor. Its result is not acted on: Linux frees the descriptor even when
    /// it reports EINTR or EIO, so retrying could close a descriptor another thread just got.
    /// The corresponding C function is `close`.
    static func close(_ fd: Int32) {
        let result = Glibc.close(fd)
        #if DEBUG
        // A planned failure is reported after the real close, as Linux reports EIO.
        _ = perform(.close, on: fd) { result }
        #endif
    }

    /// Binds. The corresponding C function is `bind`.
    static func bindSocket(_ fd: Int32, _ address: SocketAddress) throws(Errno) {
        _ = try address.withSockAddr { (p, len) throws(Errno) in
            try syscallOrThrow(.bind, on: fd, { Glibc.bind(fd, p, len) })
        }
    }

    /// Connects; returns false when the connection is in progress (EAGAIN/EINPROGRESS).
    /// The corresponding C function is `connect`.
    static func connect(_ fd: Int32, _ address: SocketAddress) throws(Errno) -> Bool {
        do {
            let r = try address.withSockAddr { (p, len) throws(Errno) in
                try syscall(.connect, on: fd, { Glibc.connect(fd, p, len) })
            }
            return r.value != nil
        } catch {
            if error.code == EINPROGRESS { return false }
            throw error
        }
    }

    /// Starts listening. The corresponding C function is `listen`.
    static func startListening(_ fd: Int32, backlog: Int32) throws(Errno) {
        _ = try syscallOrThrow(.listen, on: fd, { Glibc.listen(fd, backlog) })
    }

    /// Accepts one connection (non-blocking, close-on-exec); nil when none is pending.
    /// The corresponding C function is `accept4`.
    static func acceptConnection(_ fd: Int32) throws(Errno) -> Int32? {
        try syscall(
            .accept, on: fd, { cqkit_accept4(fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)) }
        ).value
    }

    /// Sets an integer option. The corresponding C function is `setsockopt`.
    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws(Errno) {
        var v = value
        _ = try syscallOrThrow(.setsockopt, on: fd, { setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) })
    }

    /// Sets an option from raw bytes. The corresponding C function is `setsockopt`.
    static func setOption<T>(_ fd: Int32, _ level: Int32, _ name: Int32, value: T) throws(Errno) {
        _ = try withUnsafeBytes(of: value) { (raw) throws(Errno) in
            try syscallOrThrow(.setsockopt, on: fd, { setsockopt(fd, level, name, raw.baseAddress, socklen_t(raw.count)) })
        }
    }

    /// Reads an integer option. The corresponding C function is `getsockopt`.
    static func option(_ fd: Int32, _ level: Int32, _ name: Int32) throws(Errno) -> Int32 {
        var v: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        _ = try syscallOrThrow(.getsockopt, on: fd, { getsockopt(fd, level, name, &v, &len) })
        return v
    }

    /// Reads an option into `value`; returns how many bytes the kernel wrote.
    /// The corresponding C function is `getsockopt`.
    static func option<T>(_ fd: Int32, _ level: Int32, _ name: Int32, into value: inout T) throws -> Int {
        var length = socklen_t(MemoryLayout<T>.size)
        _ = try withUnsafeMutableBytes(of: &value) { (raw) throws(Errno) in
            try syscallOrThrow(.getsockopt, on: fd, { getsockopt(fd, level, name, raw.baseAddress, &length) })
        }
        return Int(length)
    }

    /// The local address. The corresponding C function is `getsockname`.
    static func localAddress(_ fd: Int32) throws(Errno) -> SocketAddress? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { (p) throws(Errno) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sp) throws(Errno) in
                try syscallOrThrow(.getsockname, on: fd, { getsockname(fd, sp, &len) })
            }
        }
        return SocketAddress(storage: &storage, length: len)
    }

    /// The peer address. The corresponding C function is `getpeername`.
    static func peerAddress(_ fd: Int32) throws(Errno) -> SocketAddress? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &storage) { (p) throws(Errno) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sp) throws(Errno) in
                try syscallOrThrow(.getpeername, on: fd, { getpeername(fd, sp, &len) })
            }
        }
        return SocketAddress(storage: &storage, length: len)
    }

    /// Bytes (stream) or the next datagram's size (UDP) waiting to be read.
    /// The corresponding C call is `ioctl(FIONREAD)`.
    static func bytesAvailable(_ fd: Int32) -> Int {
        var n: Int32 = 0
        return ioctl(fd, UInt(FIONREAD), &n) == 0 ? Int(n) : 0
    }

    /// Reads up to `buffer.count` bytes; 0 means end of stream. The corresponding C function is `read`.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> IOResult<Int> {
        try syscall(.read, on: fd, { Glibc.read(fd, buffer.baseAddress, buffer.count) })
    }

    /// Writes bytes without raising SIGPIPE. The corresponding C function is `send` (MSG_NOSIGNAL).
    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(Errno) -> IOResult<Int> {
        try syscall(.send, on: fd, { Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) })
    }

    /// Shuts down one or both directions. The corresponding C function is `shutdown`.
    static func shutdown(_ fd: Int32, write: Bool, read: Bool) {
        let how = Int32(write && read ? SHUT_RDWR : (write ? SHUT_WR : SHUT_RD))
        // Its only failures are a bad or unconnected descriptor: nothing to undo.
        _ = perform(.shutdown, on: fd) { Glibc.shutdown(fd, how) }
    }

    /// Waits until `fd` is readable/writable or `timeoutMs` passes (−1: forever); returns the
    /// ready events, 0 on timeout. The corresponding C function is `poll`.
    static func poll(_ fd: Int32, read: Bool, write: Bool, timeoutMs: Int) -> Int16 {
        var p = pollfd(fd: fd, events: Int16((read ? POLLIN : 0) | (write ? POLLOUT : 0)), revents: 0)
        while true {
            let r = perform(.poll, on: fd) { Glibc.poll(&p, 1, Int32(clamping: timeoutMs)) }
            if r < 0 && errno == EINTR { continue }
            return r > 0 ? p.revents : 0
        }
    }
}
