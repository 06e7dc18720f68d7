import QCore
import QKitTestSupport
import QNetwork
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `writeDatagram(QNetworkDatagram)`: the datagram's hop limit, sender address and interface
/// index go with that datagram only, as control data, as Qt sends them.
@Suite("QUdpSocket per-datagram control data on send", .descriptorChecked)
struct DatagramControlTests {
    /// Receives `count` datagrams on `r`.
    func receive(_ r: QUdpSocket, _ count: Int) -> [QNetworkDatagram] {
        var got: [QNetworkDatagram] = []
        _ = spinLoop {
            while r.hasPendingDatagrams() { got.append(r.receiveDatagram()) }
            return got.count >= count
        }
        return got
    }

    @Test("a datagram's IPv4 hop limit applies to that datagram only")
    func ipv4HopLimitPerDatagram() {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0) && s.bind(.localHost, 0))
        #expect(s.writeDatagram(bytes("plain"), .localHost, r.localPort) == 5)
        var d = QNetworkDatagram(bytes("five"), .localHost, r.localPort)
        d.hopLimit = 5
        #expect(s.writeDatagram(d) == 4)
        #expect(s.writeDatagram(bytes("plain"), .localHost, r.localPort) == 5)
        let got = receive(r, 3)
        #expect(got.map(\.hopLimit).count == 3)
        #expect(got.count == 3 && got[1].hopLimit == 5)
        #expect(got.count == 3 && got[0].hopLimit > 0 && got[0].hopLimit != 5 && got[2].hopLimit == got[0].hopLimit)
        r.abort(); s.abort()
    }

    @Test("a datagram's IPv6 hop limit applies to that datagram only")
    func ipv6HopLimitPerDatagram() {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHostIPv6, 0) && s.bind(.localHostIPv6, 0))
        var d = QNetworkDatagram(bytes("seven"), .localHostIPv6, r.localPort)
        d.hopLimit = 7
        #expect(s.writeDatagram(d) == 5)
        #expect(s.writeDatagram(bytes("plain"), .localHostIPv6, r.localPort) == 5)
        let got = receive(r, 2)
        #expect(got.count == 2 && got[0].hopLimit == 7)
        #expect(got.count == 2 && got[1].hopLimit > 0 && got[1].hopLimit != 7)
        r.abort(); s.abort()
    }

    @Test("a dual-stack socket sends an IPv4 datagram with its own hop limit")
    func dualStackHopLimit() {
        let r = QUdpSocket()
        #expect(r.bind(.localHost, 0))
        let s = QUdpSocket()
        var d = QNetworkDatagram(bytes("nine"), .localHost, r.localPort)
        d.hopLimit = 9
        // Unbound: the first write binds to .any, a dual-stack IPv6 socket.
        #expect(s.writeDatagram(d) == 4)
        #expect(s.localAddress == .any)
        let got = receive(r, 1)
        #expect(got.first?.hopLimit == 9)
        r.abort(); s.abort()
    }

    @Test("a datagram's sender address becomes its source address")
    func senderAddressIsSource() {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.anyIPv4, 0) && s.bind(.anyIPv4, 0))
        var d = QNetworkDatagram(bytes("from .2"), .localHost, r.localPort)
        d.senderAddress = QHostAddress("127.0.0.2")
        #expect(s.writeDatagram(d) == 7)
        #expect(s.writeDatagram(bytes("plain"), .localHost, r.localPort) == 5)
        let got = receive(r, 2)
        #expect(got.count == 2 && got[0].senderAddress == QHostAddress("127.0.0.2") && got[0].senderPort == s.localPort)
        #expect(got.count == 2 && got[1].senderAddress == .localHost)
        r.abort(); s.abort()
    }

    @Test("a datagram's interface index chooses the interface it leaves by")
    func interfaceIndexChoosesInterface() {
        let loopback = QNetworkInterface.interfaceIndexFromName("lo")
        #expect(loopback > 0)
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0) && s.bind(.anyIPv4, 0))
        var d = QNetworkDatagram(bytes("lo"), .localHost, r.localPort)
        d.interfaceIndex = UInt32(loopback)
        #expect(s.writeDatagram(d) == 2)
        let got = receive(r, 1)
        #expect(got.first?.interfaceIndex == UInt32(loopback))
        r.abort(); s.abort()
    }

    @Test("an interface that does not exist fails the send with NetworkError and Qt's text")
    func missingInterfaceFails() {
        let r = QUdpSocket(), s = QUdpSocket(), log = SignalLog()
        #expect(r.bind(.localHost, 0) && s.bind(.anyIPv4, 0))
        record(s, into: log)
        var d = QNetworkDatagram(bytes("nowhere"), .localHost, r.localPort)
        d.interfaceIndex = 999_999
        #expect(s.writeDatagram(d) == -1)
        #expect(s.error == .network && s.errorString == "Unable to send a message")
        #expect(s.errorDetail == "send to 127.0.0.1:\(r.localPort): No such device")
        #expect(log.entries == ["errorOccurred(network)"])
        // The socket keeps working, and the failed datagram's control data did not stick.
        #expect(s.writeDatagram(bytes("after"), .localHost, r.localPort) == 5)
        #expect(receive(r, 1).first?.data == bytes("after"))
        r.abort(); s.abort()
    }
}
