@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

/// Linux's `struct ip_mreqn` (group, local address, interface index).
struct IPv4MembershipRequest {
    var imr_multiaddr: in_addr
    var imr_address: in_addr
    var imr_ifindex: Int32
}

extension QUdpSocket {
    /// Joins `group` on `iface` (or the OS's choice). Needs a bound socket; an IPv4 group
    /// needs a socket bound to an IPv4 address (`.anyIPv4`), not `.any`. A failed join
    /// returns false without changing `error`. Qt: `joinMulticastGroup()`.
    @discardableResult
    public func joinMulticastGroup(_ group: QHostAddress, _ iface: QNetworkInterface? = nil) -> Bool {
        membership(group, iface, join: true)
    }

    /// Leaves `group` on `iface`. Qt: `leaveMulticastGroup()`.
    @discardableResult
    public func leaveMulticastGroup(_ group: QHostAddress, _ iface: QNetworkInterface? = nil) -> Bool {
        membership(group, iface, join: false)
    }

    private func membership(_ group: QHostAddress, _ iface: QNetworkInterface?, join: Bool) -> Bool {
        let name = join ? "joinMulticastGroup" : "leaveMulticastGroup"
        guard state == .bound || state == .connected, fd >= 0 else {
            qkitWarning("QUdpSocket::\(name)() called on a QUdpSocket when not in QUdpSocket::BoundState")
            return false
        }
        if group.protocol == .ipv4 && family == AF_INET6 {
            qkitWarning(
                "QUdpSocket::\(name)() cannot use an IPv4 group on a socket bound to \(localAddress) (bind to QHostAddress.anyIPv4)"
            )
            return false
        }
        guard group.isMulticast else { return false }
        let index = Int32(iface?.index ?? 0)
        if let v4 = group.toIPv4Address(), group.protocol == .ipv4 {
            let request = IPv4MembershipRequest(
                imr_multiaddr: in_addr(s_addr: v4.bigEndian), imr_address: in_addr(s_addr: 0), imr_ifindex: index)
            return (try? Posix.setOption(fd, Int32(IPPROTO_IP), join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, value: request))
                != nil
        }
        var request = ipv6_mreq()
        let bytes = group.toIPv6Address()
        withUnsafeMutableBytes(of: &request.ipv6mr_multiaddr) { raw in for i in 0..<16 { raw[i] = bytes[i] } }
        request.ipv6mr_interface = UInt32(index)
        return (try? Posix.setOption(fd, Int32(IPPROTO_IPV6), join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, value: request))
            != nil
    }

    /// The interface for outgoing multicast (invalid when unset or unbound).
    /// Qt: `multicastInterface()` / `setMulticastInterface()`.
    public var multicastInterface: QNetworkInterface {
        get {
            guard fd >= 0 else {
                qkitWarning("QUdpSocket::multicastInterface() called on a QUdpSocket when not in QUdpSocket::BoundState")
                return QNetworkInterface()
            }
            if family == AF_INET6 {
                let index = (try? Posix.option(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_IF)) ?? 0
                return index > 0 ? QNetworkInterface.interfaceFromIndex(Int(index)) : QNetworkInterface()
            }
            var request = IPv4MembershipRequest(imr_multiaddr: in_addr(), imr_address: in_addr(), imr_ifindex: 0)
            guard let length = try? Posix.option(fd, Int32(IPPROTO_IP), IP_MULTICAST_IF, into: &request) else {
                return QNetworkInterface()
            }
            if length >= MemoryLayout<IPv4MembershipRequest>.size, request.imr_ifindex > 0 {
                return QNetworkInterface.interfaceFromIndex(Int(request.imr_ifindex))
            }
            // The kernel may answer with just the local address (struct in_addr).
            let address = QHostAddress(ipv4: UInt32(bigEndian: request.imr_multiaddr.s_addr))
            guard address != .anyIPv4 else { return QNetworkInterface() }
            return QNetworkInterface.allInterfaces().first { $0.addressEntries.contains { $0.ip == address } }
                ?? QNetworkInterface()
        }
        set {
            guard fd >= 0 else {
                qkitWarning("QUdpSocket::setMulticastInterface() called on a QUdpSocket when not in QUdpSocket::BoundState")
                return
            }
            if family == AF_INET6 {
                try? Posix.setOption(fd, Int32(IPPROTO_IPV6), IPV6_MULTICAST_IF, Int32(newValue.index))
                if !dualStack { return }
            }
            // As Qt does: name the interface by its first IPv4 address (and its index).
            let address = newValue.addressEntries.first { $0.ip.protocol == .ipv4 }?.ip.toIPv4Address() ?? 0
            let request = IPv4MembershipRequest(
                imr_multiaddr: in_addr(), imr_address: in_addr(s_addr: address.bigEndian), imr_ifindex: Int32(newValue.index))
            try? Posix.setOption(fd, Int32(IPPROTO_IP), IP_MULTICAST_IF, value: request)
        }
    }

    /// Qt: `setMulticastInterface()`.
    public func setMulticastInterface(_ iface: QNetworkInterface) { multicastInterface = iface }
}
