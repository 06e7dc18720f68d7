import CQKitNet

#if canImport(Glibc)
import Glibc
#endif

/// One received datagram's facts (the bytes went into the caller's buffer).
struct ReceivedDatagram {
    /// Bytes copied into the buffer.
    var copied: Int
    /// The datagram's full size (larger than `copied` when truncated).
    var size: Int
    var sender: SocketAddress?
    /// The destination address and interface (IP_PKTINFO / IPV6_PKTINFO), when enabled.
    var destination: SocketAddress?
    var interfaceIndex: UInt32
    /// TTL / hop limit, −1 when unknown.
    var hopLimit: Int

    /// Nothing received (a placeholder to move a datagram's record out of a list).
    static var none: ReceivedDatagram {
        ReceivedDatagram(copied: 0, size: 0, sender: nil, destination: nil, interfaceIndex: 0, hopLimit: -1)
    }
}

extension Posix {
    /// Sends one datagram (to `address`, or to the connected peer). The corresponding C
    /// function is `sendto`.
    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, to address: SocketAddress?) throws(Errno) -> IOResult<Int> {
        guard let address else {
            return try syscall(.sendto, on: fd, { Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) })
        }
        return try address.withSockAddr { (p, len) throws(Errno) in
            try syscall(.sendto, on: fd, { sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), p, len) })
        }
    }

    /// Sends one datagram to the IPv4 address `host` (host order):`port`, the address built
    /// on the stack. The corresponding C function is `sendto`.
    @inline(__always)
    static func send(
        _ fd: Int32, _ buffer: UnsafeRawBufferPointer, toIPv4 host: UInt32, port: UInt16
    ) throws(Errno) -> IOResult<Int> {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = host.bigEndian
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        return try withUnsafePointer(to: &address) { (p) throws(Errno) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { (a) throws(Errno) in
                try syscall(.sendto, on: fd, { sendto(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL), a, length) })
            }
        }
    }

    /// Receives one datagram straight into `buffer` (the rest of a larger one is discarded)
    /// and its sender's address into `sender`, without control messages: the kernel copies
    /// the bytes once and writes nothing else. Returns the datagram's full size (larger than
    /// the buffer when it was cut); `senderLength` is the address's length (0: none).
    /// The corresponding C function is `recvfrom`.
    @inline(__always)
    static func receive(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, sender: UnsafeMutablePointer<sockaddr_storage>,
        senderLength: inout socklen_t
    ) throws(Errno) -> IOResult<Int> {
        senderLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return try sender.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(Errno) in
            // MSG_TRUNC: the result is the datagram's full size, even when it was cut.
            try syscall(
                .recvfrom, on: fd,
                {
                    recvfrom(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT | MSG_TRUNC), address, &senderLength)
                })
        }
    }

    /// Reads the destination address, interface and hop limit from a datagram's control
    /// messages (`CMSG_FIRSTHDR`/`CMSG_NXTHDR` walked by hand: the macros are not in Glibc's
    /// Swift module). A message whose length does not fit what is left, or whose data is too
    /// short for its type, ends the walk or is skipped: nothing is read outside `length`.
    static func parseControl(_ raw: UnsafeRawBufferPointer, length: Int, into datagram: inout ReceivedDatagram) {
        let end = min(length, raw.count)
        let headerSize = MemoryLayout<cmsghdr>.size
        let dataStart = Int(cqkit_cmsg_align(UInt(headerSize)))
        var offset = 0
        while offset + headerSize <= end {
            let header = raw.loadUnaligned(fromByteOffset: offset, as: cmsghdr.self)
            // cmsg_len counts the header and the data, not the padding after it.
            guard header.cmsg_len >= dataStart, header.cmsg_len <= end - offset else { return }
            let messageLength = Int(header.cmsg_len)
            let dataOffset = offset + dataStart
            let dataLength = messageLength - dataStart
            func has<T>(_ type: T.Type) -> Bool { dataLength >= MemoryLayout<T>.size }
            if header.cmsg_level == Int32(IPPROTO_IP) && header.cmsg_type == IP_PKTINFO && has(in_pktinfo.self) {
                let info = raw.loadUnaligned(fromByteOffset: dataOffset, as: in_pktinfo.self)
                var a = sockaddr_in()
                a.sin_family = sa_family_t(AF_INET)
                a.sin_addr = info.ipi_addr
                datagram.destination = .ipv4(a)
                datagram.interfaceIndex = UInt32(bitPattern: info.ipi_ifindex)
            } else if header.cmsg_level == Int32(IPPROTO_IP) && header.cmsg_type == IP_TTL && has(Int32.self) {
                datagram.hopLimit = Int(raw.loadUnaligned(fromByteOffset: dataOffset, as: Int32.self))
            } else if header.cmsg_level == Int32(IPPROTO_IPV6) && header.cmsg_type == IPV6_PKTINFO && has(IPv6PacketInfo.self) {
                let info = raw.loadUnaligned(fromByteOffset: dataOffset, as: IPv6PacketInfo.self)
                var a = sockaddr_in6()
                a.sin6_family = sa_family_t(AF_INET6)
                a.sin6_addr = info.ipi6_addr
                datagram.destination = .ipv6(a)
                datagram.interfaceIndex = info.ipi6_ifindex
            } else if header.cmsg_level == Int32(IPPROTO_IPV6) && header.cmsg_type == IPV6_HOPLIMIT && has(Int32.self) {
                datagram.hopLimit = Int(raw.loadUnaligned(fromByteOffset: dataOffset, as: Int32.self))
            }
            offset += Int(cqkit_cmsg_align(UInt(messageLength)))
        }
    }
}

/// Linux's `struct in6_pktinfo` (a GNU extension Glibc's Swift module does not expose).
struct IPv6PacketInfo {
    var ipi6_addr: in6_addr
    var ipi6_ifindex: UInt32
}
