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
        if family == AF_INET, case .ipv4(let v4) = host.storage {
            // The common case, an IPv4 destination from an IPv4 socket: the kernel address is
            // built in place, without the general conversion.
            let fd = fd
            return reportSend(try Posix.send(fd, data, toIPv4: v4, port: port)) { endpointText(host, port) }
        }
        return sendDatagram(data, to: destination(for: host, port: port)) { endpointText(host, port) }
    }

    /// One send with Qt's reporting: bytesWritten on success, errorOccurred on failure.
    /// `target` nil sends to the connected peer; `control` carries per-datagram control data;
    /// `subject` names the destination in `errorDetail`.
    func sendDatagram(
        _ data: UnsafeRawBufferPointer, to target: SocketAddress?, control: SendControl? = nil, subject: () -> String
    ) -> Int64 {
        if let control, !control.isEmpty {
            return reportSend(try Posix.send(fd, data, to: target, control: control), subject: subject)
        }
        return reportSend(try Posix.send(fd, data, to: target), subject: subject)
    }

    /// Runs one send and reports it as Qt does: bytesWritten on success, errorOccurred on
    /// failure (`subject` names the destination in `errorDetail`).
    @inline(__always)
    func reportSend(_ send: @autoclosure () throws(Errno) -> IOResult<Int>, subject: () -> String) -> Int64 {
        do {
            let result = try send()
            switch result {
            case .done(let n):
                bytesWritten.emit(Int64(n))
                return Int64(n)
            case .wouldBlock:
                report(.temporary, "Unable to send a datagram", detail: "send to \(subject()): the send buffer is full")
                return -1
            }
        } catch let e {
            let (code, text) = SocketErrors.forSend(e)
            report(code, text, detail: SocketErrors.detail("send to", subject(), e))
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

    /// Sends a datagram to its destination. Its hop limit, sender address and interface
    /// index, when set, apply to this datagram only (sent as control data with it).
    /// Qt: `writeDatagram(const QNetworkDatagram &)`.
    @discardableResult
    public func writeDatagram(_ datagram: QNetworkDatagram) -> Int64 {
        qkitAssertAffinity("writeDatagram")
        let host = datagram.destinationAddress, port = datagram.destinationPort
        if state == .unconnected {
            guard bind(.any, 0) else { return -1 }
        }
        guard fd >= 0 else { return -1 }
        var control = SendControl(ipv4: host.protocol == .ipv4 || (host.isNull && family == AF_INET))
        control.hopLimit = Int32(clamping: datagram.hopLimit)
        if !datagram.senderAddress.isNull { control.source = SocketAddress(datagram.senderAddress, port: 0) }
        control.interfaceIndex = datagram.interfaceIndex
        return datagram.data.withUnsafeBytes { bytes in
            sendDatagram(bytes, to: destination(for: host, port: port), control: control) { endpointText(host, port) }
        }
    }

    /// An address and port as errorDetail names them: `127.0.0.1:45454`, `[::1]:45454`.
    func endpointText(_ host: QHostAddress, _ port: UInt16) -> String {
        "\(host.protocol == .ipv6 ? "[\(host)]" : host.toString()):\(port)"
    }

    /// The kernel address for a destination, mapped to IPv6 on an IPv6 socket.
    func destination(for host: QHostAddress, port: UInt16) -> SocketAddress {
        if family == AF_INET6, host.protocol == .ipv4 {
            return SocketAddress(QHostAddress(ipv6: host.toIPv6Address()), port: port)
        }
        return SocketAddress(host, port: port)
    }
}
