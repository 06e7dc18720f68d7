import QCore
import QKitTestSupport
import QNetwork
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("QUdpSocket bind and write", .descriptorChecked)
struct UdpBindTests {
    @Test("bind succeeds synchronously: Bound, a port, one stateChanged, device not open")
    func bindSucceeds() {
        let s = QUdpSocket(), log = SignalLog()
        record(s, into: log)
        #expect(s.bind(.localHost, 0))
        #expect(s.state == .bound)
        #expect(s.localPort != 0)
        #expect(s.localAddress == .localHost)
        #expect(log.entries == ["stateChanged(bound)"])
        #expect(!s.isOpen)
        s.abort()
    }

    @Test("binding a port in use fails with AddressInUseError and stays Unconnected")
    func bindInUse() {
        let a = QUdpSocket(), b = QUdpSocket(), log = SignalLog()
        #expect(a.bind(.localHost, 0))
        record(b, into: log)
        #expect(!b.bind(.localHost, a.localPort))
        #expect(b.state == .unconnected)
        #expect(b.error == .addressInUse)
        #expect(b.errorString == "The bound address is already in use")
        #expect(b.errorDetail == "bind 127.0.0.1:\(a.localPort): Address already in use")
        #expect(log.entries == ["errorOccurred(addressInUse)"])
        a.abort()
    }

    @Test("sharing a port needs SO_REUSEADDR on both sockets")
    func bindModes() {
        let a = QUdpSocket()
        #expect(a.bind(.localHost, 0, .shareAddress))
        let b = QUdpSocket()
        #expect(b.bind(.localHost, a.localPort, .reuseAddressHint))
        let c = QUdpSocket()
        #expect(!c.bind(.localHost, a.localPort))
        #expect(c.error == .addressInUse)
        let d = QUdpSocket()
        #expect(!d.bind(.localHost, a.localPort, .dontShareAddress))
        let plain = QUdpSocket()
        #expect(plain.bind(.localHost, 0))
        let e = QUdpSocket()
        #expect(!e.bind(.localHost, plain.localPort, .reuseAddressHint))
        for s in [a, b, plain] { s.abort() }
    }

    @Test("binding an address of another host fails with SocketAddressNotAvailableError")
    func bindForeignAddress() {
        let s = QUdpSocket()
        #expect(!s.bind(QHostAddress("1.2.3.4"), 0))
        #expect(s.error == .socketAddressNotAvailable)
        #expect(s.errorString == "The address is not available")
        #expect(s.errorDetail == "bind 1.2.3.4:0: Cannot assign requested address")
    }

    @Test("binding a null address fails with UnsupportedSocketOperationError, as Qt 6.12 does")
    func bindNullAddress() {
        let s = QUdpSocket(), log = SignalLog()
        record(s, into: log)
        #expect(!s.bind(.null, 0))
        #expect(s.state == .unconnected)
        #expect(s.error == .unsupportedSocketOperation && s.errorString == "Unsupported socket operation")
        #expect(log.entries == ["errorOccurred(unsupportedSocketOperation)"])
    }

    @Test("binding a privileged port without privilege fails with SocketAccessError", .enabled(if: getuid() != 0))
    func bindPrivileged() {
        let s = QUdpSocket()
        #expect(!s.bind(.localHost, 80))
        #expect(s.error == .socketAccess)
    }

    @Test("binding a bound socket again warns, stays Bound and re-emits the error it already had")
    func bindTwice() {
        let s = QUdpSocket(), log = SignalLog()
        #expect(s.bind(.localHost, 0))
        let port = s.localPort
        record(s, into: log)
        let warnings = capturedWarnings {
            #expect(!s.bind(.localHost, 0))
        }
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("QUdpSocket::bind() called on a socket that is not unconnected") == true)
        #expect(s.state == .bound && s.localPort == port)
        #expect(s.error == .unknownSocket && s.errorString == "Unknown error")
        #expect(log.entries == ["errorOccurred(unknownSocket)"])
        s.abort()
    }

    @Test("writeDatagram on an unbound socket binds first: stateChanged(Bound) before bytesWritten")
    func writeAutoBinds() {
        let receiver = QUdpSocket()
        #expect(receiver.bind(.localHost, 0))
        let sender = QUdpSocket(), log = SignalLog()
        record(sender, into: log)
        #expect(sender.writeDatagram(bytes("hello"), .localHost, receiver.localPort) == 5)
        #expect(log.entries == ["stateChanged(bound)", "bytesWritten(5)"])
        #expect(sender.state == .bound && sender.localPort != 0)
        #expect(spinLoop { receiver.hasPendingDatagrams() })
        // The auto-bound sender can receive the reply.
        let got = receiver.receiveDatagram()
        #expect(receiver.writeDatagram(got.makeReply(bytes("back"))) == 4)
        #expect(spinLoop { sender.hasPendingDatagrams() })
        #expect(sender.readDatagram(100)?.data == bytes("back"))
        sender.abort(); receiver.abort()
    }

    @Test("an empty datagram is sent (0 bytes) and counts as pending, with size 0")
    func emptyDatagram() {
        let r = QUdpSocket()
        #expect(r.bind(.localHost, 0))
        var readyReads = 0
        r.readyRead.connect { readyReads += 1 }
        let s = QUdpSocket()
        #expect(s.writeDatagram([], .localHost, r.localPort) == 0)
        #expect(spinLoop { readyReads == 1 })
        #expect(r.hasPendingDatagrams())
        #expect(r.pendingDatagramSize() == 0)
        #expect(r.readDatagram(10)?.data == [])
        #expect(!r.hasPendingDatagrams())
        #expect(r.pendingDatagramSize() == -1)
        s.abort(); r.abort()
    }

    @Test("IPv4 datagrams up to 65507 bytes are sent; 65508 fail with DatagramTooLargeError, each time")
    func ipv4SizeLimit() {
        let r = QUdpSocket()
        #expect(r.bind(.localHost, 0))
        let s = QUdpSocket(), log = SignalLog()
        #expect(s.bind(.localHost, 0))
        record(s, into: log)
        #expect(s.writeDatagram([UInt8](repeating: 1, count: 65507), .localHost, r.localPort) == 65507)
        #expect(s.writeDatagram([UInt8](repeating: 1, count: 65508), .localHost, r.localPort) == -1)
        #expect(s.error == .datagramTooLarge)
        #expect(s.errorString == "Datagram was too large to send")
        #expect(s.errorDetail == "send to 127.0.0.1:\(r.localPort): Message too long")
        #expect(s.writeDatagram([UInt8](repeating: 1, count: 70000), .localHost, r.localPort) == -1)
        #expect(log.entries == ["bytesWritten(65507)", "errorOccurred(datagramTooLarge)", "errorOccurred(datagramTooLarge)"])
        #expect(s.state == .bound)
        s.abort(); r.abort()
    }

    @Test("IPv6 datagrams up to 65527 bytes are sent; 65528 fail")
    func ipv6SizeLimit() {
        let r = QUdpSocket()
        #expect(r.bind(.localHostIPv6, 0))
        let s = QUdpSocket()
        #expect(s.bind(.localHostIPv6, 0))
        #expect(s.writeDatagram([UInt8](repeating: 1, count: 65527), .localHostIPv6, r.localPort) == 65527)
        #expect(s.writeDatagram([UInt8](repeating: 1, count: 65528), .localHostIPv6, r.localPort) == -1)
        #expect(s.error == .datagramTooLarge)
        s.abort(); r.abort()
    }

    @Test("an AnyIPv6 socket does not receive IPv4 datagrams; an Any socket does")
    func dualStack() {
        let v6only = QUdpSocket(), dual = QUdpSocket()
        #expect(v6only.bind(.anyIPv6, 0))
        #expect(dual.bind(.any, 0))
        #expect(dual.localAddress == .any)
        let s = QUdpSocket()
        #expect(s.writeDatagram(bytes("x"), .localHost, dual.localPort) == 1)
        #expect(spinLoop { dual.hasPendingDatagrams() })
        let from = dual.receiveDatagram()
        #expect(from.senderAddress == .localHost)
        #expect(s.writeDatagram(bytes("y"), .localHost, v6only.localPort) == 1)
        pump(); pump()
        #expect(!v6only.hasPendingDatagrams())
        s.abort(); v6only.abort(); dual.abort()
    }

    @Test("sending to a port nobody listens on succeeds and reports nothing later")
    func sendToNobody() {
        let probe = QUdpSocket()
        #expect(probe.bind(.localHost, 0))
        let port = probe.localPort
        probe.abort()
        let s = QUdpSocket(), log = SignalLog()
        #expect(s.bind(.localHost, 0))
        record(s, into: log)
        #expect(s.writeDatagram(bytes("x"), .localHost, port) == 1)
        pump(); pump()
        #expect(log.entries == ["bytesWritten(1)"])
        s.abort()
    }

    @Test("deleting the parent closes its sockets")
    func parentDeletionCloses() {
        let before = openDescriptorCount()
        let parent = QObject()
        let s = QUdpSocket(parent: parent)
        #expect(s.bind(.localHost, 0))
        #expect(openDescriptorCount() > before)
        parent.delete()
        #expect(s.state == .unconnected)
        #expect(openDescriptorCount() == before)
    }
}

@Suite("QUdpSocket reading and readyRead", .descriptorChecked)
struct UdpReadTests {
    /// A bound receiver and a sender that has sent `payloads` to it.
    func pair(_ payloads: [String]) -> (QUdpSocket, QUdpSocket) {
        let r = QUdpSocket()
        _ = r.bind(.localHost, 0)
        let s = QUdpSocket()
        for p in payloads { _ = s.writeDatagram(bytes(p), .localHost, r.localPort) }
        return (r, s)
    }

    @Test("a too-small buffer gets the start of the datagram; the rest is discarded")
    func truncationDiscards() {
        let (r, s) = pair(["hello", "world"])
        #expect(spinLoop { r.hasPendingDatagrams() })
        let first = r.readDatagram(2)
        #expect(first?.data == bytes("he"))
        #expect(first?.host == .localHost && first?.port == s.localPort)
        #expect(r.readDatagram(100)?.data == bytes("world"))
        r.abort(); s.abort()
    }

    @Test("maxSize 0 throws the whole datagram away")
    func zeroMaxSizeDiscards() {
        let (r, s) = pair(["one", "two"])
        #expect(spinLoop { r.pendingDatagramSize() == 3 })
        #expect(r.readDatagram(0)?.data == [])
        #expect(r.readDatagram(10)?.data == bytes("two"))
        r.abort(); s.abort()
    }

    @Test("reading with nothing pending returns nil with TemporaryError and errorOccurred")
    func nothingPending() {
        let r = QUdpSocket(), log = SignalLog()
        #expect(r.bind(.localHost, 0))
        record(r, into: log)
        #expect(r.readDatagram(10) == nil)
        #expect(r.error == .temporary)
        #expect(r.errorString == "No datagram available for reading")
        #expect(log.entries == ["errorOccurred(temporary)"])
        r.abort()
    }

    @Test("receiveDatagram with nothing pending returns an invalid datagram and no signal")
    func receiveNothingPending() {
        let r = QUdpSocket(), log = SignalLog()
        #expect(r.bind(.localHost, 0))
        record(r, into: log)
        #expect(!r.receiveDatagram().isValid)
        #expect(log.entries.isEmpty)
        r.abort()
    }

    @Test("reading an unbound socket fails with no signal and error unchanged")
    func readUnbound() {
        let r = QUdpSocket(), log = SignalLog()
        record(r, into: log)
        #expect(r.readDatagram(10) == nil)
        #expect(!r.receiveDatagram().isValid)
        #expect(!r.hasPendingDatagrams())
        #expect(r.pendingDatagramSize() == -1)
        #expect(r.error == .unknownSocket)
        #expect(log.entries.isEmpty)
    }

    @Test("receiveDatagram reports sender, destination and hop limit")
    func receiveDatagramAddresses() {
        let (r, s) = pair(["hi"])
        #expect(spinLoop { r.hasPendingDatagrams() })
        let d = r.receiveDatagram()
        #expect(d.isValid && d.data == bytes("hi"))
        #expect(d.senderAddress == .localHost && d.senderPort == s.localPort)
        #expect(d.destinationAddress == .localHost && d.destinationPort == r.localPort)
        #expect(d.hopLimit > 0)
        r.abort(); s.abort()
    }

    @Test("readyRead is emitted once for several datagrams until one is read")
    func readyReadOnceUntilRead() {
        let r = QUdpSocket()
        #expect(r.bind(.localHost, 0))
        var readyReads = 0
        r.readyRead.connect { readyReads += 1 }
        let s = QUdpSocket()
        for i in 0..<3 { _ = s.writeDatagram(bytes("d\(i)"), .localHost, r.localPort) }
        #expect(spinLoop { readyReads == 1 })
        pump(); pump()
        #expect(readyReads == 1)
        _ = r.readDatagram(10)
        #expect(spinLoop { readyReads == 2 })
        pump()
        #expect(readyReads == 2)
        r.abort(); s.abort()
    }

    @Test("reading one datagram per readyRead eventually delivers them all")
    func onePerReadyRead() {
        let r = QUdpSocket()
        #expect(r.bind(.localHost, 0))
        var got: [String] = []
        r.readyRead.connect(receiver: r) { r in
            if let d = r.readDatagram(100) { got.append(String(decoding: d.data, as: UTF8.self)) }
        }
        let s = QUdpSocket()
        for i in 0..<10 { _ = s.writeDatagram(bytes("m\(i)"), .localHost, r.localPort) }
        #expect(spinLoop { got.count == 10 })
        #expect(got == (0..<10).map { "m\($0)" })
        r.abort(); s.abort()
    }

    @Test("a 65507-byte datagram taken in a batch arrives whole, between small ones")
    func largeDatagramThroughBatch() {
        let big = (0..<65507).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let (r, s) = pair(["a"])
        _ = s.writeDatagram(big, .localHost, r.localPort)
        _ = s.writeDatagram(bytes("z"), .localHost, r.localPort)
        var got: [[UInt8]] = []
        r.readyRead.connect(receiver: r) { r in while let d = r.readDatagram(70000) { got.append(d.data) } }
        #expect(spinLoop { got.count == 3 })
        #expect(got.map(\.count) == [1, 65507, 1])
        #expect(got[1] == big)
        r.abort(); s.abort()
    }

    @Test("truncating a datagram already taken from the kernel discards only its rest")
    func truncationFromInbox() {
        let (r, s) = pair(["first-datagram", "second"])
        #expect(spinLoop { r.pendingDatagramSize() == 14 })
        var small = [UInt8](repeating: 0, count: 5)
        let first = small.withUnsafeMutableBytes { r.readDatagram(into: $0) }
        #expect(first.size == 5 && small == bytes("first"))
        #expect(r.pendingDatagramSize() == 6)
        #expect(r.receiveDatagram().data == bytes("second"))
        #expect(!r.hasPendingDatagrams())
        r.abort(); s.abort()
    }

    @Test(
        "readDatagram(into:) straight from the kernel: cut to the buffer, the rest discarded, the sender given; then −1 with TemporaryError"
    )
    func directReadTruncates() {
        let (r, s) = pair(["first-datagram", "second"])
        var arrived = false
        r.readyRead.connect { arrived = true }
        #expect(spinLoop { arrived })
        var small = [UInt8](repeating: 0, count: 5)
        let first = small.withUnsafeMutableBytes { r.readDatagram(into: $0) }
        #expect(first.size == 5 && small == bytes("first"))
        #expect(first.host == .localHost && first.port == s.localPort)
        var large = [UInt8](repeating: 0, count: 64)
        #expect(large.withUnsafeMutableBytes { r.readDatagram(into: $0).size } == 6 && large.prefix(6) == bytes("second")[...])
        let log = SignalLog()
        record(r, into: log)
        #expect(large.withUnsafeMutableBytes { r.readDatagram(into: $0).size } == -1)
        #expect(log.entries == ["errorOccurred(temporary)"] && r.errorString == "No datagram available for reading")
        r.abort(); s.abort()
    }

    @Test("reads straight from the kernel and from datagrams taken ahead keep the datagrams' order")
    func mixedReadsKeepOrder() {
        let (r, s) = pair(["d0", "d1", "d2"])
        var arrived = false
        r.readyRead.connect { arrived = true }
        #expect(spinLoop { arrived })
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(buffer.withUnsafeMutableBytes { r.readDatagram(into: $0).size } == 2 && buffer.prefix(2) == bytes("d0")[...])
        #expect(spinLoop { r.pendingDatagramSize() == 2 })
        let d1 = r.receiveDatagram()
        #expect(d1.data == bytes("d1") && d1.destinationAddress == .localHost && d1.hopLimit > 0)
        #expect(buffer.withUnsafeMutableBytes { r.readDatagram(into: $0).size } == 2 && buffer.prefix(2) == bytes("d2")[...])
        #expect(!r.hasPendingDatagrams())
        r.abort(); s.abort()
    }

    @Test("a failed read also re-arms readyRead")
    func failedReadRearms() {
        let r = QUdpSocket()
        #expect(r.bind(.localHost, 0))
        var readyReads = 0
        r.readyRead.connect { readyReads += 1 }
        _ = r.readDatagram(10)
        let s = QUdpSocket()
        _ = s.writeDatagram(bytes("x"), .localHost, r.localPort)
        #expect(spinLoop { readyReads == 1 })
        r.abort(); s.abort()
    }

    @Test("readyRead is never emitted recursively, even when its slot waits for more")
    func noRecursiveReadyRead() {
        let r = QUdpSocket()
        #expect(r.bind(.localHost, 0))
        var depth = 0, maxDepth = 0, count = 0
        let s = QUdpSocket()
        r.readyRead.connect(receiver: r) { r in
            depth += 1
            maxDepth = max(maxDepth, depth)
            count += 1
            _ = s.writeDatagram(bytes("more"), .localHost, r.localPort)
            _ = r.waitForReadyRead(200)
            while r.hasPendingDatagrams() { _ = r.readDatagram(10) }
            depth -= 1
        }
        _ = s.writeDatagram(bytes("first"), .localHost, r.localPort)
        #expect(spinLoop { count >= 1 })
        #expect(maxDepth == 1)
        r.abort(); s.abort()
    }

    @Test("waitForReadyRead times out with SocketTimeoutError and leaves the socket Bound")
    func waitForReadyReadTimeout() {
        let r = QUdpSocket(), log = SignalLog()
        #expect(r.bind(.localHost, 0))
        record(r, into: log)
        #expect(!r.waitForReadyRead(30))
        #expect(r.error == .socketTimeout)
        #expect(r.errorString == "Network operation timed out")
        #expect(r.errorDetail == "waitForReadyRead: no datagram within 30 ms on 127.0.0.1:\(r.localPort)")
        #expect(r.state == .bound)
        #expect(log.entries == ["errorOccurred(socketTimeout)"])
        r.abort()
    }

    @Test("waitForReadyRead returns true and emits readyRead inside the call, without a loop")
    func waitForReadyReadData() {
        let (r, s) = pair([])
        var readyInside = false
        r.readyRead.connect { readyInside = true }
        _ = s.writeDatagram(bytes("x"), .localHost, r.localPort)
        #expect(r.waitForReadyRead(2000))
        #expect(readyInside)
        #expect(QUdpSocket().waitForReadyRead(10) == false)
        #expect(!r.waitForBytesWritten(10))
        r.abort(); s.abort()
    }
}

@Suite("QUdpSocket connected mode and closing", .descriptorChecked)
struct UdpConnectionTests {
    @Test("connectToHost with an IP is synchronous, in Qt's order, and opens the device")
    func connectOrder() {
        let peer = QUdpSocket()
        #expect(peer.bind(.localHost, 0))
        let s = QUdpSocket(), log = SignalLog()
        record(s, into: log)
        s.connectToHost(.localHost, peer.localPort)
        #expect(
            log.entries == [
                "stateChanged(hostLookup)", "stateChanged(connecting)", "hostFound", "stateChanged(connected)", "connected",
            ])
        #expect(s.state == .connected && s.isOpen && s.isReadable && s.isWritable)
        #expect(s.openMode.contains(.unbuffered))
        #expect(s.peerAddress == .localHost && s.peerPort == peer.localPort)
        #expect(s.waitForConnected(0))
        s.abort(); peer.abort()
    }

    @Test("a bound socket keeps its port and descriptor when it connects")
    func boundKeepsPort() {
        let peer = QUdpSocket()
        #expect(peer.bind(.localHost, 0))
        let s = QUdpSocket()
        #expect(s.bind(.anyIPv4, 0))
        let port = s.localPort, fd = s.socketDescriptor
        s.connectToHost(.localHost, peer.localPort)
        #expect(s.localPort == port && s.socketDescriptor == fd)
        s.abort(); peer.abort()
    }

    @Test("write sends one datagram and read reads one, truncated")
    func connectedReadWrite() {
        let peer = QUdpSocket()
        #expect(peer.bind(.localHost, 0))
        let s = QUdpSocket(), log = SignalLog()
        s.connectToHost(.localHost, peer.localPort)
        record(s, into: log)
        #expect(s.write("ping") == 4)
        #expect(log.entries == ["bytesWritten(4)"])
        #expect(spinLoop { peer.hasPendingDatagrams() })
        let d = peer.receiveDatagram()
        #expect(d.data == bytes("ping"))
        #expect(peer.writeDatagram(d.makeReply(bytes("pong!"))) == 5)
        #expect(spinLoop { s.hasPendingDatagrams() })
        #expect(s.read(3) == bytes("pon"))
        s.abort(); peer.abort()
    }

    @Test("connectToHost while connected fails with OperationError and changes nothing")
    func connectTwice() {
        let peer = QUdpSocket()
        #expect(peer.bind(.localHost, 0))
        let s = QUdpSocket()
        s.connectToHost(.localHost, peer.localPort)
        let log = SignalLog()
        record(s, into: log)
        s.connectToHost(.localHost, 1)
        #expect(log.entries == ["errorOccurred(operation)"])
        #expect(s.error == .operation && s.state == .connected && s.peerPort == peer.localPort)
        s.abort(); peer.abort()
    }

    @Test("write on a bound, unconnected socket returns -1 with no signal")
    func writeWhileBound() {
        let s = QUdpSocket(), log = SignalLog()
        #expect(s.bind(.localHost, 0))
        record(s, into: log)
        #expect(s.write("x") == -1)
        #expect(log.entries.isEmpty)
        s.abort()
    }

    @Test("close on a bound socket: Closing, Unconnected, readChannelFinished, disconnected")
    func closeBound() {
        let s = QUdpSocket(), log = SignalLog()
        #expect(s.bind(.localHost, 0))
        record(s, into: log)
        s.close()
        #expect(log.entries == ["stateChanged(closing)", "stateChanged(unconnected)", "readChannelFinished", "disconnected"])
        #expect(s.localPort == 0 && s.socketDescriptor == -1)
    }

    @Test("disconnectFromHost on a bound socket emits the same sequence")
    func disconnectBound() {
        let s = QUdpSocket(), log = SignalLog()
        #expect(s.bind(.localHost, 0))
        record(s, into: log)
        s.disconnectFromHost()
        #expect(log.entries == ["stateChanged(closing)", "stateChanged(unconnected)", "readChannelFinished", "disconnected"])
    }

    @Test("abort on a bound socket: Unconnected, readChannelFinished, no disconnected")
    func abortBound() {
        let s = QUdpSocket(), log = SignalLog()
        #expect(s.bind(.localHost, 0))
        record(s, into: log)
        s.abort()
        #expect(log.entries == ["stateChanged(unconnected)", "readChannelFinished"])
    }

    @Test("disconnectFromHost on a connected socket leaves the device open")
    func disconnectConnected() {
        let peer = QUdpSocket()
        #expect(peer.bind(.localHost, 0))
        let s = QUdpSocket(), log = SignalLog()
        s.connectToHost(.localHost, peer.localPort)
        record(s, into: log)
        s.disconnectFromHost()
        #expect(log.entries == ["stateChanged(closing)", "stateChanged(unconnected)", "readChannelFinished", "disconnected"])
        #expect(s.isOpen)
        #expect(s.peerPort == 0 && s.peerAddress.isNull)
        peer.abort()
    }

    @Test("close on a connected socket emits aboutToClose first and closes the device")
    func closeConnected() {
        let peer = QUdpSocket()
        #expect(peer.bind(.localHost, 0))
        let s = QUdpSocket(), log = SignalLog()
        s.connectToHost(.localHost, peer.localPort)
        record(s, into: log)
        s.close()
        #expect(
            log.entries == [
                "aboutToClose", "stateChanged(closing)", "stateChanged(unconnected)", "readChannelFinished", "disconnected",
            ])
        #expect(!s.isOpen)
        peer.abort()
    }

    @Test("close, abort and disconnect on an unconnected socket do nothing")
    func closeUnconnected() {
        let s = QUdpSocket(), log = SignalLog()
        record(s, into: log)
        s.close(); s.abort(); s.disconnectFromHost()
        #expect(log.entries.isEmpty)
    }

    @Test("a connected socket learns of an ICMP port unreachable as ConnectionRefusedError")
    func connectionRefused() {
        let probe = QUdpSocket()
        #expect(probe.bind(.localHost, 0))
        let deadPort = probe.localPort
        probe.abort()
        let s = QUdpSocket()
        s.connectToHost(.localHost, deadPort)
        #expect(s.write("x") == 1)
        // The ICMP error arrives a moment later; a read then reports it.
        #expect(spinLoop { s.readDatagram(10) == nil && s.error == .connectionRefused })
        #expect(s.errorString == "Connection refused")
        #expect(s.errorDetail == "receive from 127.0.0.1:\(deadPort): Connection refused")
        s.abort()
    }

    @Test("socket options are unset before the socket exists and read back after")
    func socketOptions() {
        let s = QUdpSocket()
        #expect(s.socketOption(.multicastTtl) == nil)
        s.setSocketOption(.multicastTtl, 9)
        #expect(s.bind(.anyIPv4, 0))
        #expect(s.socketOption(.multicastTtl) == 1)
        s.setSocketOption(.multicastTtl, 5)
        #expect(s.socketOption(.multicastTtl) == 5)
        s.setSocketOption(.multicastTtl, 300)
        #expect(s.socketOption(.multicastTtl) == 5)
        s.setSocketOption(.multicastLoopback, 7)
        #expect(s.socketOption(.multicastLoopback) == 1)
        s.setSocketOption(.receiveBufferSize, 65536)
        #expect((s.socketOption(.receiveBufferSize) ?? 0) >= 65536)
        s.abort()
    }

    @Test("multicast calls on an unbound socket fail with a warning and no signal")
    func multicastUnbound() {
        let s = QUdpSocket(), log = SignalLog()
        record(s, into: log)
        let warnings = capturedWarnings {
            #expect(!s.joinMulticastGroup(QHostAddress("239.255.43.21")))
            #expect(!s.multicastInterface.isValid)
        }
        #expect(
            warnings == [
                "QUdpSocket::joinMulticastGroup() called on a QUdpSocket when not in QUdpSocket::BoundState",
                "QUdpSocket::multicastInterface() called on a QUdpSocket when not in QUdpSocket::BoundState",
            ])
        #expect(log.entries.isEmpty)
    }

    @Test("an IPv4 group cannot be joined on a dual-stack socket")
    func multicastOnDualStack() {
        let s = QUdpSocket()
        #expect(s.bind(.any, 0))
        #expect(!s.joinMulticastGroup(QHostAddress("239.255.43.21")))
        s.abort()
    }

    @Test("leaving a group never joined, or joining a non-multicast address, returns false")
    func multicastFailures() {
        let s = QUdpSocket()
        #expect(s.bind(.anyIPv4, 0))
        #expect(!s.leaveMulticastGroup(QHostAddress("239.255.43.21")))
        #expect(!s.joinMulticastGroup(QHostAddress("10.0.0.1")))
        #expect(s.error == .unknownSocket)
        s.abort()
    }

    @Test("a joined group on the loopback interface delivers multicast to the member")
    func multicastLoopback() {
        let lo = QNetworkInterface.interfaceFromName("lo")
        let r = QUdpSocket()
        #expect(r.bind(.anyIPv4, 0, .shareAddress))
        let group = QHostAddress("239.255.43.21")
        let joined = r.joinMulticastGroup(group, lo)
        let s = QUdpSocket()
        #expect(s.bind(.anyIPv4, 0))
        s.multicastInterface = lo
        if joined {
            #expect(s.multicastInterface.name == "lo")
            #expect(s.writeDatagram(bytes("mc"), group, r.localPort) == 2)
            #expect(spinLoop { r.hasPendingDatagrams() })
            #expect(r.receiveDatagram().data == bytes("mc"))
            #expect(r.leaveMulticastGroup(group, lo))
        } else {
            // The sandbox's loopback refused multicast: the call said so, with no signal.
            #expect(r.error == .unknownSocket)
        }
        r.abort(); s.abort()
    }
}
