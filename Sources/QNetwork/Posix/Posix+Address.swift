#if canImport(Glibc)
import Glibc
#endif

extension Posix {
    /// Parses a numeric IPv4 address ("a.b.c.d"), host byte order. The corresponding C function is `inet_pton`.
    static func parseIPv4(_ text: String) -> UInt32? {
        var a = in_addr()
        guard inet_pton(AF_INET, text, &a) == 1 else { return nil }
        return UInt32(bigEndian: a.s_addr)
    }

    /// Parses a numeric IPv6 address (no scope). The corresponding C function is `inet_pton`.
    static func parseIPv6(_ text: String) -> [UInt8]? {
        var a = in6_addr()
        guard inet_pton(AF_INET6, text, &a) == 1 else { return nil }
        return withUnsafeBytes(of: a) { Array($0) }
    }

    /// Formats IPv6 bytes in the compressed form. The corresponding C function is `inet_ntop`.
    static func formatIPv6(_ bytes: [UInt8]) -> String {
        var a = in6_addr()
        withUnsafeMutableBytes(of: &a) { raw in for i in 0..<16 { raw[i] = bytes[i] } }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &a, &buffer, socklen_t(buffer.count)) != nil else { return "" }
        return String(cChars: buffer)
    }

    /// An interface's index from its name, 0 if unknown. The corresponding C function is `if_nametoindex`.
    static func interfaceIndex(_ name: String) -> UInt32 { if_nametoindex(name) }

    /// An interface's name from its index. The corresponding C function is `if_indextoname`.
    static func interfaceName(_ index: UInt32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(index, &buffer) != nil else { return nil }
        return String(cChars: buffer)
    }
}
