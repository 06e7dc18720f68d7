/// Qt's `QNetworkDatagram`: one UDP datagram with its addresses. A value type.
public struct QNetworkDatagram: Sendable, Equatable {
    /// The payload. Qt: `data()`.
    public var data: [UInt8]
    /// Who sent it (received datagrams). Qt: `senderAddress()`.
    public var senderAddress: QHostAddress
    /// The sender's port, 0 when unknown. Qt: `senderPort()` (−1 there).
    public var senderPort: UInt16
    /// Where it was sent to: for received datagrams the local destination, for outgoing
    /// ones the target. Qt: `destinationAddress()`.
    public var destinationAddress: QHostAddress
    /// The destination port, 0 when unknown. Qt: `destinationPort()` (−1 there).
    public var destinationPort: UInt16
    /// TTL / hop limit: received value, or the one to send with; −1 when unset. Qt: `hopLimit()`.
    public var hopLimit: Int
    /// The interface it arrived on or should leave by; 0 when unset. Qt: `interfaceIndex()`.
    public var interfaceIndex: UInt32
    var valid: Bool

    /// An invalid datagram (what a failed receive returns). Qt: `QNetworkDatagram()`.
    public init() {
        data = []
        senderAddress = .null
        senderPort = 0
        destinationAddress = .null
        destinationPort = 0
        hopLimit = -1
        interfaceIndex = 0
        valid = false
    }

    /// A datagram to send to `destinationAddress`:`destinationPort`.
    /// Qt: `QNetworkDatagram(data, destinationAddress, port)`.
    public init(_ data: [UInt8], _ destinationAddress: QHostAddress = .null, _ destinationPort: UInt16 = 0) {
        self.init()
        self.data = data
        self.destinationAddress = destinationAddress
        self.destinationPort = destinationPort
        valid = true
    }

    /// False for the datagram a failed receive returns. Qt: `isValid()`.
    public var isValid: Bool { valid }

    /// Qt: `isNull()`: true when invalid and empty.
    public var isNull: Bool { !valid && data.isEmpty }

    /// A reply to this datagram: addressed to its sender, from its destination. Qt: `makeReply()`.
    public func makeReply(_ payload: [UInt8]) -> QNetworkDatagram {
        var reply = QNetworkDatagram(payload, senderAddress, senderPort)
        reply.senderAddress = destinationAddress.isMulticast ? .null : destinationAddress
        reply.interfaceIndex = interfaceIndex
        return reply
    }
}
