#if canImport(Glibc)
import Glibc
#endif

/// A socket address as the kernel takes it: IPv4, IPv6 or Unix (path or abstract name).
enum SocketAddress: Equatable {
    case ipv4(sockaddr_in)
    case ipv6(sockaddr_in6)
    /// `sun_path` bytes; a leading 0 byte makes it an abstract name.
    case unix([UInt8])

    /// The maximum `sun_path` length on Linux.
    static let unixPathCapacity = MemoryLayout<sockaddr_un>.size - MemoryLayout<sa_family_t>.size

    /// Calls `body` with a `sockaddr` pointer and its length. The corresponding C type is `sockaddr`.
    func withSockAddr<R, E: Error>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(E) -> R) throws(E) -> R {
        switch self {
        case .ipv4(var a):
            return try withUnsafePointer(to: &a) { (p) throws(E) in
                try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sp) throws(E) in
                    try body(sp, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .ipv6(var a):
            return try withUnsafePointer(to: &a) { (p) throws(E) in
                try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sp) throws(E) in
                    try body(sp, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        case .unix(let path):
            var a = sockaddr_un()
            a.sun_family = sa_family_t(AF_UNIX)
            let count = min(path.count, SocketAddress.unixPathCapacity)
            withUnsafeMutableBytes(of: &a.sun_path) { raw in
                for i in 0..<count { raw[i] = path[i] }
            }
            // Abstract names are exactly as long as given; paths are NUL-terminated.
            let length = MemoryLayout<sa_family_t>.size + count + (path.first == 0 ? 0 : 1)
            return try withUnsafePointer(to: &a) { (p) throws(E) in
                try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sp) throws(E) in
                    try body(sp, socklen_t(min(length, MemoryLayout<sockaddr_un>.size)))
                }
            }
        }
    }

    /// Reads an address the kernel filled in.
    init?(storage: UnsafePointer<sockaddr_storage>, length: socklen_t) {
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            self = storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { .ipv4($0.pointee) }
        case AF_INET6:
            self = storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { .ipv6($0.pointee) }
        case AF_UNIX:
            let pathLength = max(0, Int(length) - MemoryLayout<sa_family_t>.size)
            self = storage.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { un in
                withUnsafeBytes(of: un.pointee.sun_path) { raw in
                    var bytes = Array(raw.prefix(pathLength))
                    if bytes.first != 0, let end = bytes.firstIndex(of: 0) { bytes.removeSubrange(end...) }
                    return .unix(bytes)
                }
            }
        default:
            return nil
        }
    }

    static func == (a: SocketAddress, b: SocketAddress) -> Bool {
        switch (a, b) {
        case (.ipv4(let x), .ipv4(let y)):
            return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr
        case (.ipv6(let x), .ipv6(let y)):
            return x.sin6_port == y.sin6_port && x.sin6_scope_id == y.sin6_scope_id
                && withUnsafeBytes(of: x.sin6_addr) { xa in withUnsafeBytes(of: y.sin6_addr) { xa.elementsEqual($0) } }
        case (.unix(let x), .unix(let y)):
            return x == y
        default:
            return false
        }
    }
}
