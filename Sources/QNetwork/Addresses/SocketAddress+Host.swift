#if canImport(Glibc)
import Glibc
#endif

extension SocketAddress {
    /// The socket address for `host`:`port` (`.any` becomes the IPv6 wildcard).
    init(_ host: QHostAddress, port: UInt16) {
        switch host.storage {
        case .ipv4(let v):
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = port.bigEndian
            a.sin_addr.s_addr = v.bigEndian
            self = .ipv4(a)
        default:
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = port.bigEndian
            let bytes = host.toIPv6Address()
            withUnsafeMutableBytes(of: &a.sin6_addr) { raw in for i in 0..<16 { raw[i] = bytes[i] } }
            if !host.scopeId.isEmpty {
                a.sin6_scope_id = UInt32(host.scopeId) ?? Posix.interfaceIndex(host.scopeId)
            }
            self = .ipv6(a)
        }
    }

    /// The host address and port (IPv4-mapped IPv6 senders are reported as IPv6, as Qt does
    /// on dual-stack sockets).
    var hostAndPort: (QHostAddress, UInt16) {
        switch self {
        case .ipv4(let a):
            return (QHostAddress(ipv4: UInt32(bigEndian: a.sin_addr.s_addr)), UInt16(bigEndian: a.sin_port))
        case .ipv6(let a):
            var host = QHostAddress(ipv6: withUnsafeBytes(of: a.sin6_addr) { Array($0) })
            if a.sin6_scope_id != 0 {
                host.scopeId = Posix.interfaceName(a.sin6_scope_id) ?? String(a.sin6_scope_id)
            }
            return (host, UInt16(bigEndian: a.sin6_port))
        case .unix:
            return (.null, 0)
        }
    }

    var host: QHostAddress { hostAndPort.0 }

    /// The host address and port of a kernel-written address of `length` bytes (0: none,
    /// `.null` and 0), read in place: an IPv4 sender costs no copy of the whole storage.
    /// The IPv4 case is inlined into the reader (a call and its frame cost more than it).
    @inline(__always)
    static func hostAndPort(of storage: UnsafePointer<sockaddr_storage>, length: socklen_t) -> (QHostAddress, UInt16) {
        if length > 0 && Int32(storage.pointee.ss_family) == AF_INET {
            return storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                (QHostAddress(ipv4: UInt32(bigEndian: $0.pointee.sin_addr.s_addr)), UInt16(bigEndian: $0.pointee.sin_port))
            }
        }
        return otherHostAndPort(of: storage, length: length)
    }

    /// `hostAndPort` of an address that is not IPv4 (or of none).
    @inline(never)
    static func otherHostAndPort(of storage: UnsafePointer<sockaddr_storage>, length: socklen_t) -> (QHostAddress, UInt16) {
        guard length > 0 else { return (.null, 0) }
        return SocketAddress(storage: storage, length: length)?.hostAndPort ?? (.null, 0)
    }
}
