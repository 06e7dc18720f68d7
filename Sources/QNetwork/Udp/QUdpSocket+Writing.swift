@_spi(QKitInternal) import QCore

#if canImport(Glibc)
import Glibc
#endif

extension QUdpSocket {
    // MARK: writing

    /// Sends one datagram to `host`:`port`; returns its size (0 for an empty one) and emits
    /// `bytesWritten`, or −1 with `errorOccurred` (DatagramTooLargeError above 65507 bytes on
    /// IPv4, 65527 on IPv6). An unbound socket binds to `.any` first (`stateChanged(.bound)`).
    /// Qt: `writeDatagram(const QByteArray &, const QHostAddress &, quint16)`.
    @discardableResult
    public func writeDatagram(_ data: UnsafeRawBufferPointer, _ host: QHostAddress, _ port: UInt16) -> Int64 {
        qkitAssertAffinity("writeDatagram")
        if state == .unconnected {
            guard bind(.any, 0) else { return -1 }
        }
        guard fd >= 0 else { return -1 }
        return sendDatagram(data, to: destination(for: host, port: port)) {
            "\(host.protocol == .ipv6 ? "[\(host)]" : host.toString()):\(port)"
        }
    }

    /// One send with Qt's reporting: bytesWritten on success, errorOccurred on failure.
    /// `target` nil sends to the connected peer; `subject` names it in error texts.
    func sendDatagram(_ data: UnsafeRawBufferPointer, to target: SocketAddress?, subject: () -> String) -> Int64 {
        do {
            switch try Posix.send(fd, data, to: target) {
            case .done(let n):
                bytesWritten.emit(Int64(n))
                return Int64(n)
            case .wouldBlock:
                report(.temporary, "Unable to send a datagram", detail: "send to \(subject()): the send buffer is full")
                return -1
            }
        } catch let e as Errno {
            let (code, text) = SocketErrors.forSend(e)
            report(code, text, detail: SocketErrors.detail("send to", subject(), e))
            return -1
        } catch {
            return -1
        }
    }

    /// Sends bytes as one datagram. Qt: `writeDatagram(const QByteArray &, host, port)`.
    @discardableResult
    public func writeDatagram(_ data: [UInt8], _ host: QHostAddress, _ port: UInt16) -> Int64 {
        data.withUnsafeBytes { writeDatagram($0, host, port) }
    }

    /// Sends UTF-8 text as one datagram.
    @discardableResult
    public func writeDatagram(_ text: String, _ host: QHostAddress, _ port: UInt16) -> Int64 {
        var copy = text
        return copy.withUTF8 { writeDatagram(UnsafeRawBufferPointer($0), host, port) }
    }

    /// Sends a datagram to its destination (with its hop limit, when set).
    /// Qt: `writeDatagram(const QNetworkDatagram &)`.
    @discardableResult
    public func writeDatagram(_ datagram: QNetworkDatagram) -> Int64 {
        if datagram.hopLimit >= 0, fd >= 0 || state == .unconnected {
            if state == .unconnected { guard bind(.any, 0) else { return -1 } }
            let unicast = datagram.destinationAddress.protocol == .ipv6 || dualStack
                ? (Int32(IPPROTO_IPV6), IPV6_UNICAST_HOPS) : (Int32(IPPROTO_IP), IP_TTL)
            try? Posix.setOption(fd, unicast.0, unicast.1, Int32(datagram.hopLimit))
        }
        return writeDatagram(datagram.data, datagram.destinationAddress, datagram.destinationPort)
    }

    /// The kernel address for a destination, mapped to IPv6 on an IPv6 socket.
    func destination(for host: QHostAddress, port: UInt16) -> SocketAddress {
        if family == AF_INET6, host.protocol == .ipv4 {
            return SocketAddress(QHostAddress(ipv6: host.toIPv6Address()), port: port)
        }
        return SocketAddress(host, port: port)
    }
}
