import QKitTestSupport
import QNetwork
import Testing

@Suite("QHostAddress, QNetworkInterface, QNetworkDatagram")
struct HostAddressTests {
    @Test("IPv4 text round-trips and reports its protocol")
    func ipv4RoundTrip() {
        let a = QHostAddress("192.168.1.20")
        #expect(a.toString() == "192.168.1.20")
        #expect(a.protocol == .ipv4)
        #expect(a.toIPv4Address() == 0xC0A8_0114)
        #expect(QHostAddress(ipv4: 0x7F00_0001) == .localHost)
    }

    @Test("IPv6 text is printed compressed, with its scope id")
    func ipv6RoundTrip() {
        let a = QHostAddress("FE80:0:0:0:0:0:0:1%lo")
        #expect(a.toString() == "fe80::1%lo")
        #expect(a.scopeId == "lo")
        #expect(a.protocol == .ipv6)
        #expect(a.isLinkLocal)
        #expect(QHostAddress("::1") == .localHostIPv6)
        #expect(QHostAddress(ipv6: a.toIPv6Address()).toString() == "fe80::1")
    }

    @Test("addresses compare and hash by their scope id's text; an empty scope id removes it")
    func scopeIdsCompareByText() {
        var a = QHostAddress("fe80::1%eth7")
        let b = QHostAddress("fe80::1")
        var c = b
        c.scopeId = "eth7"
        #expect(a == c)
        #expect(a.hashValue == c.hashValue)
        #expect(a != b)
        #expect(c.toString() == "fe80::1%eth7")
        c.scopeId = "42"
        #expect(c != a)
        #expect(c.scopeId == "42")
        a.scopeId = ""
        #expect(a == b)
        #expect(a.toString() == "fe80::1")
        #expect(Set([a, b, c]).count == 2)
    }

    @Test("a scope id longer than an interface name round-trips and compares by its text")
    func longScopeIdRoundTrips() {
        // One of the ids the bounded test below puts in the per-process table (either test may run first).
        let long = "bounded-scope-id-0"
        let a = QHostAddress("fe80::1%" + long)
        var b = QHostAddress("fe80::1")
        b.scopeId = long
        #expect(a.scopeId == long)
        #expect(a.toString() == "fe80::1%" + long)
        #expect(a == b && a.hashValue == b.hashValue)
        b.scopeId = "exactly15bytes!"
        #expect(b.scopeId == "exactly15bytes!")
        #expect(a != b)
    }

    @Test("once 1,024 long scope ids are in use, a new one is refused: parsing gives null, setting warns and keeps none")
    func longScopeIdsAreBounded() {
        // The table is per process: fill it (other tests' long scope ids count towards it).
        var refusedAt: Int?
        for i in 0..<1100 where refusedAt == nil {
            if QHostAddress("fe80::1%bounded-scope-id-\(i)").isNull { refusedAt = i }
        }
        #expect(refusedAt != nil && refusedAt! <= 1024)
        let parsed = QHostAddress("fe80::2%one-more-long-scope-id")
        #expect(parsed.isNull)
        #expect(parsed.toString() == "")
        var address = QHostAddress("fe80::2%eth0")
        let warnings = capturedWarnings { address.scopeId = "yet-another-long-scope-id" }
        #expect(warnings == ["QHostAddress::setScopeId: scope id not kept: over 15 bytes, and 1024 such are in use"])
        #expect(address.scopeId == "")
        #expect(address.toString() == "fe80::2")
        // Short scope ids never need the table.
        #expect(QHostAddress("fe80::2%eth0").scopeId == "eth0")
        #expect(QHostAddress("fe80::1%bounded-scope-id-0").scopeId == "bounded-scope-id-0")
    }

    @Test("unparsable text gives the null address")
    func unparsableIsNull() {
        for text in ["", "1.2.3", "256.1.1.1", "hello", "::g", "1.2.3.4%"] {
            let a = QHostAddress(text)
            #expect(a.isNull, "\(text)")
            #expect(a.toString() == "")
            #expect(a.protocol == .unknown)
        }
    }

    @Test("special addresses have Qt's values")
    func specialAddresses() {
        #expect(QHostAddress.broadcast.toString() == "255.255.255.255")
        #expect(QHostAddress.localHost.toString() == "127.0.0.1")
        #expect(QHostAddress.localHostIPv6.toString() == "::1")
        #expect(QHostAddress.anyIPv4.toString() == "0.0.0.0")
        #expect(QHostAddress.anyIPv6.toString() == "::")
        #expect(QHostAddress.any.protocol == .any)
        #expect(QHostAddress.null.isNull)
    }

    @Test("loopback, multicast and broadcast tests")
    func classification() {
        #expect(QHostAddress("127.5.6.7").isLoopback)
        #expect(QHostAddress("::1").isLoopback)
        #expect(QHostAddress("239.255.43.21").isMulticast)
        #expect(QHostAddress("ff12::2115").isMulticast)
        #expect(!QHostAddress("10.0.0.1").isMulticast)
        #expect(QHostAddress.broadcast.isBroadcast)
        #expect(!QHostAddress("10.0.0.255").isBroadcast)
    }

    @Test("an IPv4 address equals its IPv4-mapped IPv6 form and hashes alike")
    func mappedEquality() {
        let v4 = QHostAddress("1.2.3.4"), mapped = QHostAddress("::ffff:1.2.3.4")
        #expect(v4 == mapped)
        #expect(Set([v4, mapped]).count == 1)
        #expect(mapped.toIPv4Address() == 0x0102_0304)
        #expect(QHostAddress.any != QHostAddress.anyIPv4)
    }

    @Test("subnet membership follows the prefix length")
    func subnets() {
        #expect(QHostAddress("10.1.2.3").isInSubnet(QHostAddress("10.0.0.0"), 8))
        #expect(!QHostAddress("11.1.2.3").isInSubnet(QHostAddress("10.0.0.0"), 8))
        #expect(QHostAddress("fe80::1").isInSubnet(QHostAddress("fe80::"), 10))
    }

    @Test("the loopback interface is listed with its address, index and flags")
    func loopbackInterface() {
        let lo = QNetworkInterface.interfaceFromName("lo")
        #expect(lo.isValid)
        #expect(lo.index > 0)
        #expect(lo.flags.contains(.isLoopBack) && lo.flags.contains(.isUp))
        #expect(lo.addressEntries.contains { $0.ip == .localHost && $0.prefixLength == 8 })
        #expect(QNetworkInterface.interfaceFromIndex(lo.index).name == "lo")
        #expect(QNetworkInterface.interfaceNameFromIndex(lo.index) == "lo")
        #expect(QNetworkInterface.allAddresses().contains(.localHost))
        #expect(!QNetworkInterface.interfaceFromName("no-such-if0").isValid)
    }

    @Test("a default datagram is invalid; one with data is valid; makeReply swaps the ends")
    func datagrams() {
        #expect(!QNetworkDatagram().isValid)
        var d = QNetworkDatagram(Array("hi".utf8), .localHost, 9)
        #expect(d.isValid && d.destinationPort == 9)
        d.senderAddress = QHostAddress("10.0.0.2")
        d.senderPort = 1234
        let reply = d.makeReply(Array("ok".utf8))
        #expect(reply.destinationAddress == QHostAddress("10.0.0.2") && reply.destinationPort == 1234)
    }
}
