import CQKitNet

#if canImport(Glibc)
import Glibc
#endif

/// Control data sent with one datagram (Qt's packet header on send): a hop limit, a source
/// address and an outgoing interface that apply to this datagram only.
struct SendControl {
    /// IPv4 control messages (IP_TTL, IP_PKTINFO) rather than IPv6 ones: the destination's
    /// real family, so a v4-mapped destination on a dual-stack socket gets the IPv4 ones
    /// (Linux sends it through its IPv4 path, which reads only those).
    var ipv4: Bool
    /// TTL / hop limit; −1 leaves the socket's own.
    var hopLimit: Int32 = -1
    /// The source address (`ipi_spec_dst` / `ipi6_addr`); nil leaves the kernel's choice.
    var source: SocketAddress?
    /// The outgoing interface; 0 leaves the kernel's choice.
    var interfaceIndex: UInt32 = 0

    /// True when nothing is set: a plain `sendto` does.
    var isEmpty: Bool { hopLimit < 0 && source == nil && interfaceIndex == 0 }
}

extension Posix {
    /// Sends one datagram with per-datagram control messages. The corresponding C function
    /// is `sendmsg`.
    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, to address: SocketAddress?, control: SendControl)
        throws(Errno) -> IOResult<Int>
    {
        // Room for two control messages: an int and the larger packet-info struct.
        let capacity = 2 * controlSpace(MemoryLayout<IPv6PacketInfo>.size)
        return try withUnsafeTemporaryAllocation(byteCount: capacity, alignment: MemoryLayout<cmsghdr>.alignment) {
            (raw) throws(Errno) in
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            var used = 0
            func append<T>(_ level: Int32, _ type: Int32, _ value: T) {
                var header = cmsghdr()
                header.cmsg_len = Int(cqkit_cmsg_len(UInt(MemoryLayout<cmsghdr>.size), UInt(MemoryLayout<T>.size)))
                header.cmsg_level = level
                header.cmsg_type = type
                raw.storeBytes(of: header, toByteOffset: used, as: cmsghdr.self)
                raw.storeBytes(of: value, toByteOffset: used + controlHeaderSize, as: T.self)
                used += controlSpace(MemoryLayout<T>.size)
            }
            if control.ipv4 {
                if control.hopLimit >= 0 { append(Int32(IPPROTO_IP), IP_TTL, control.hopLimit) }
                if control.source != nil || control.interfaceIndex != 0 {
                    var info = in_pktinfo()
                    info.ipi_ifindex = Int32(bitPattern: control.interfaceIndex)
                    switch control.source {
                    case .ipv4(let a)?: info.ipi_spec_dst = a.sin_addr
                    case .ipv6(let a)?: info.ipi_spec_dst = mappedIPv4(a.sin6_addr)
                    default: break
                    }
                    append(Int32(IPPROTO_IP), IP_PKTINFO, info)
                }
            } else {
                if control.hopLimit >= 0 { append(Int32(IPPROTO_IPV6), IPV6_HOPLIMIT, control.hopLimit) }
                if control.source != nil || control.interfaceIndex != 0 {
                    var info = IPv6PacketInfo(ipi6_addr: in6_addr(), ipi6_ifindex: control.interfaceIndex)
                    if case .ipv6(let a)? = control.source { info.ipi6_addr = a.sin6_addr }
                    append(Int32(IPPROTO_IPV6), IPV6_PKTINFO, info)
                }
            }
            var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: buffer.baseAddress), iov_len: buffer.count)
            return try withUnsafeMutablePointer(to: &vector) { (vectorPointer) throws(Errno) in
                var message = msghdr()
                message.msg_iov = vectorPointer
                message.msg_iovlen = 1
                message.msg_control = used > 0 ? raw.baseAddress : nil
                message.msg_controllen = used
                // Safe: `message` points at `vector`, `raw` and the address only inside these
                // closures, and sendmsg reads them before it returns.
                guard let address else {
                    return try syscall(.sendmsg, on: fd, { sendmsg(fd, &message, Int32(MSG_NOSIGNAL)) })
                }
                return try address.withSockAddr { (pointer, length) throws(Errno) in
                    message.msg_name = UnsafeMutableRawPointer(mutating: pointer)
                    message.msg_namelen = length
                    return try syscall(.sendmsg, on: fd, { sendmsg(fd, &message, Int32(MSG_NOSIGNAL)) })
                }
            }
        }
    }

    /// Where a control message's data starts (`CMSG_DATA`'s offset).
    private static let controlHeaderSize = Int(cqkit_cmsg_align(UInt(MemoryLayout<cmsghdr>.size)))
    /// The bytes a control message with `dataSize` bytes of data takes (`CMSG_SPACE`).
    private static func controlSpace(_ dataSize: Int) -> Int {
        Int(cqkit_cmsg_space(UInt(MemoryLayout<cmsghdr>.size), UInt(dataSize)))
    }

    /// The IPv4 address inside a v4-mapped IPv6 address (::ffff:a.b.c.d).
    private static func mappedIPv4(_ address: in6_addr) -> in_addr {
        withUnsafeBytes(of: address) { raw in
            in_addr(s_addr: raw.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        }
    }
}
