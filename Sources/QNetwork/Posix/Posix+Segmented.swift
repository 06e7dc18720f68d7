import CQKitNet

#if canImport(Glibc)
import Glibc
#endif

extension Posix {
    /// Linux's `UDP_SEGMENT` option (`<linux/udp.h>`, which Glibc's Swift module leaves out).
    static let udpSegment: Int32 = 103
    /// The most datagrams one segmented send carries (the kernel's UDP_MAX_SEGMENTS).
    static let maxSegments = 64
    /// The most payload bytes one segmented send carries (an IPv4 datagram's limit).
    static let maxSegmentedBytes = 65507

    /// Whether this kernel segments UDP sends (Linux 4.18 and later): it knows the
    /// `UDP_SEGMENT` option. Asked once per process, on a socket of its own (outside the
    /// syscall funnel on purpose: a test's planned failure must not be spent on this probe).
    static let segmentationSupported: Bool = {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { _ = Glibc.close(fd) }
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, Int32(IPPROTO_UDP), udpSegment, &value, &length) == 0
    }()

    /// Sends 2...64 datagrams of equal size to one destination (nil: the connected peer) with
    /// one call: the kernel receives their bytes as one buffer and cuts it into datagrams of
    /// the first one's size, so the receiver gets them one by one, in order. The caller keeps
    /// the total within `maxSegmentedBytes`. Returns how many datagrams were sent (all or
    /// none). The corresponding C function is `sendmsg` with a `UDP_SEGMENT` control message.
    static func sendSegmented(_ fd: Int32, _ datagrams: ArraySlice<OutgoingDatagram>) throws(Errno) -> IOResult<Int> {
        let count = datagrams.count
        precondition(count >= 2 && count <= maxSegments, "Posix.sendSegmented: \(count) datagrams")
        let segmentSize = datagrams[datagrams.startIndex].bytes.count
        let controlSpace = Int(cqkit_cmsg_space(UInt(MemoryLayout<cmsghdr>.size), UInt(MemoryLayout<UInt16>.size)))
        let dataOffset = Int(cqkit_cmsg_align(UInt(MemoryLayout<cmsghdr>.size)))
        return try withUnsafeTemporaryAllocation(of: iovec.self, capacity: count) { (vectors) throws(Errno) in
            for (i, datagram) in datagrams.enumerated() {
                // Safe: the caller keeps every datagram's bytes alive until this call returns,
                // and the kernel only reads them.
                vectors[i] = iovec(
                    iov_base: UnsafeMutableRawPointer(mutating: datagram.bytes.baseAddress), iov_len: datagram.bytes.count)
            }
            return try withUnsafeTemporaryAllocation(byteCount: controlSpace, alignment: MemoryLayout<cmsghdr>.alignment) {
                (control) throws(Errno) in
                control.initializeMemory(as: UInt8.self, repeating: 0)
                var header = cmsghdr()
                header.cmsg_len = Int(cqkit_cmsg_len(UInt(MemoryLayout<cmsghdr>.size), UInt(MemoryLayout<UInt16>.size)))
                header.cmsg_level = Int32(IPPROTO_UDP)
                header.cmsg_type = udpSegment
                control.storeBytes(of: header, toByteOffset: 0, as: cmsghdr.self)
                control.storeBytes(of: UInt16(segmentSize), toByteOffset: dataOffset, as: UInt16.self)
                var message = msghdr()
                message.msg_iov = vectors.baseAddress
                message.msg_iovlen = count
                message.msg_control = control.baseAddress
                message.msg_controllen = controlSpace
                // Safe: `message` points at `vectors`, `control` and the address only inside
                // these closures, and sendmsg reads them before it returns.
                let sent: IOResult<Int>
                if let destination = datagrams[datagrams.startIndex].destination {
                    sent = try destination.withSockAddr { (pointer, length) throws(Errno) in
                        message.msg_name = UnsafeMutableRawPointer(mutating: pointer)
                        message.msg_namelen = length
                        return try syscall(.sendSegmented, on: fd, { sendmsg(fd, &message, Int32(MSG_NOSIGNAL)) })
                    }
                } else {
                    sent = try syscall(.sendSegmented, on: fd, { sendmsg(fd, &message, Int32(MSG_NOSIGNAL)) })
                }
                guard case .done = sent else { return .wouldBlock }
                return .done(count)
            }
        }
    }
}
