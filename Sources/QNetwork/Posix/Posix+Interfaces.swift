#if canImport(Glibc)
import Glibc
#endif

/// One address of one interface, as getifaddrs reports it.
struct InterfaceAddressRecord {
    var name: String
    var flags: UInt32
    var address: SocketAddress?
    var netmask: SocketAddress?
    var broadcast: SocketAddress?
    /// The hardware (MAC) address for AF_PACKET entries.
    var hardware: [UInt8]?
}

extension Posix {
    /// Lists every interface address. The corresponding C function is `getifaddrs`.
    static func interfaceAddresses() -> [InterfaceAddressRecord] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [] }
        defer { freeifaddrs(head) }
        var records: [InterfaceAddressRecord] = []
        var node: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = node {
            let e = entry.pointee
            var record = InterfaceAddressRecord(name: String(cString: e.ifa_name), flags: e.ifa_flags)
            if let addr = e.ifa_addr {
                if Int32(addr.pointee.sa_family) == AF_PACKET {
                    record.hardware = addr.withMemoryRebound(to: LinkLayerAddress.self, capacity: 1) { ll in
                        withUnsafeBytes(of: ll.pointee.sll_addr) { Array($0.prefix(Int(ll.pointee.sll_halen))) }
                    }
                } else {
                    record.address = socketAddress(addr)
                }
            }
            record.netmask = e.ifa_netmask.flatMap(socketAddress)
            // ifa_ifu holds the broadcast address when IFF_BROADCAST is set.
            if e.ifa_flags & UInt32(IFF_BROADCAST) != 0, let b = e.ifa_ifu.ifu_broadaddr {
                record.broadcast = socketAddress(b)
            }
            records.append(record)
            node = e.ifa_next
        }
        return records
    }

    private static func socketAddress(_ p: UnsafeMutablePointer<sockaddr>) -> SocketAddress? {
        switch Int32(p.pointee.sa_family) {
        case AF_INET: return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { .ipv4($0.pointee) }
        case AF_INET6: return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { .ipv6($0.pointee) }
        default: return nil
        }
    }
}

/// Linux's `struct sockaddr_ll` (not exposed by Glibc's Swift module).
struct LinkLayerAddress {
    var sll_family: UInt16
    var sll_protocol: UInt16
    var sll_ifindex: Int32
    var sll_hatype: UInt16
    var sll_pkttype: UInt8
    var sll_halen: UInt8
    var sll_addr: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8)
}
