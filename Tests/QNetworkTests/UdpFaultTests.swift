import QCore
import QKitTestSupport
import Testing

@testable import QNetwork

#if canImport(Glibc)
import Glibc
#endif

/// A QUdpSocket (QAbstractSocket) failure.
typealias UdpFault = FaultCase<QAbstractSocket.SocketError>

/// QUdpSocket when the kernel fails a call (test builds plan the failure through the syscall
/// seam): Qt's error, signal order and state, no descriptor leaked, and the socket still works.
@Suite("QUdpSocket under injected syscall failures", .serialized, .faultsCleared, .descriptorChecked)
struct UdpFaultTests {
    /// A bound receiver and sender on the loopback.
    func pair() -> (QUdpSocket, QUdpSocket) {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0) && s.bind(.localHost, 0))
        return (r, s)
    }

    /// True when `r` receives exactly `payloads`, in order, and then nothing more.
    func receives(_ r: QUdpSocket, _ payloads: [String]) -> Bool {
        var got: [String] = []
        _ = spinLoop {
            while r.hasPendingDatagrams() { got.append(String(decoding: r.receiveDatagram().data, as: UTF8.self)) }
            return got.count >= payloads.count
        }
        pump()
        return got == payloads && !r.hasPendingDatagrams()
    }

    @Test(
        "socket() fails: bind returns false, errorOccurred with Qt's code and text, still Unconnected; the next bind works",
        arguments: [
            UdpFault(code: EPROTONOSUPPORT, error: .unsupportedSocketOperation, text: "Protocol type not supported"),
            UdpFault(code: EAFNOSUPPORT, error: .unsupportedSocketOperation, text: "Protocol type not supported"),
            UdpFault(code: EINVAL, error: .unsupportedSocketOperation, text: "Protocol type not supported"),
            UdpFault(code: ENFILE, error: .socketResource, text: "Out of resources"),
            UdpFault(code: EMFILE, error: .socketResource, text: "Out of resources"),
            UdpFault(code: ENOBUFS, error: .socketResource, text: "Out of resources"),
            UdpFault(code: ENOMEM, error: .socketResource, text: "Out of resources"),
            UdpFault(code: EACCES, error: .socketAccess, text: "Permission denied"),
        ])
    func socketFails(_ fault: UdpFault) {
        let s = QUdpSocket(), log = SignalLog()
        record(s, into: log)
        SyscallFaults.inject(fault.code, into: .socket)
        #expect(!s.bind(.localHost, 0))
        #expect(log.entries == ["errorOccurred(\(fault.error))"])
        #expect(s.state == .unconnected && s.error == fault.error && s.errorString == fault.text)
        #expect(s.errorDetail.hasPrefix("socket for 127.0.0.1:0: "))
        #expect(SyscallFaults.injected == 1)
        #expect(s.bind(.localHost, 0) && s.state == .bound)
        s.abort()
    }

    @Test(
        "bind() fails: false, errorOccurred with the mapped code, still Unconnected, descriptor closed; the next bind works",
        arguments: [
            UdpFault(code: EADDRINUSE, error: .addressInUse, text: "The bound address is already in use"),
            UdpFault(code: EACCES, error: .socketAccess, text: "The address is protected"),
            UdpFault(code: EADDRNOTAVAIL, error: .socketAddressNotAvailable, text: "The address is not available"),
            UdpFault(code: EINVAL, error: .unsupportedSocketOperation, text: "Unsupported socket operation"),
        ])
    func bindFails(_ fault: UdpFault) {
        let s = QUdpSocket(), log = SignalLog()
        record(s, into: log)
        SyscallFaults.inject(fault.code, into: .bind)
        #expect(!s.bind(.localHost, 0))
        #expect(log.entries == ["errorOccurred(\(fault.error))"])
        #expect(s.state == .unconnected && !s.isValid && s.error == fault.error && s.errorString == fault.text)
        #expect(s.bind(.localHost, 0) && s.state == .bound)
        s.abort()
    }

    @Test("bind() fails with an errno Qt does not map: errorOccurred carries the error the socket already had")
    func bindFailsUnmapped() {
        let s = QUdpSocket(), log = SignalLog()
        record(s, into: log)
        SyscallFaults.inject(ENOMEM, into: .bind)
        #expect(!s.bind(.localHost, 0))
        #expect(log.entries == ["errorOccurred(unknownSocket)"])
        #expect(s.state == .unconnected && s.error == .unknownSocket && s.errorString == "Unknown error")
        #expect(s.errorDetail.hasPrefix("bind 127.0.0.1:0: "))
        #expect(s.bind(.localHost, 0))
        s.abort()
    }

    @Test(
        "connect fails: HostLookup, Connecting, hostFound, errorOccurred, Unconnected; descriptor closed; the next connect works",
        arguments: [
            UdpFault(code: ECONNREFUSED, error: .connectionRefused, text: "Connection refused"),
            UdpFault(code: EINVAL, error: .connectionRefused, text: "Connection refused"),
            UdpFault(code: ETIMEDOUT, error: .network, text: "Connection timed out"),
            UdpFault(code: EHOSTUNREACH, error: .network, text: "Host unreachable"),
            UdpFault(code: ENETUNREACH, error: .network, text: "Network unreachable"),
            UdpFault(code: EADDRINUSE, error: .network, text: "The bound address is already in use"),
            UdpFault(code: EACCES, error: .socketAccess, text: "Permission denied"),
            UdpFault(code: EPERM, error: .socketAccess, text: "Permission denied"),
            UdpFault(code: ENOMEM, error: .unknownSocket, text: "Unknown error"),
        ])
    func connectFails(_ fault: UdpFault) {
        let peer = QUdpSocket()
        #expect(peer.bind(.localHost, 0))
        let s = QUdpSocket(), log = SignalLog()
        record(s, into: log)
        SyscallFaults.inject(fault.code, into: .connect)
        s.connectToHost(.localHost, peer.localPort)
        #expect(
            log.entries == [
                "stateChanged(hostLookup)", "stateChanged(connecting)", "hostFound", "errorOccurred(\(fault.error))",
                "stateChanged(unconnected)",
            ])
        #expect(s.state == .unconnected && !s.isValid && s.error == fault.error && s.errorString == fault.text)
        #expect(s.errorDetail.hasPrefix("connect to 127.0.0.1:\(peer.localPort): "))
        s.connectToHost(.localHost, peer.localPort)
        #expect(s.state == .connected)
        s.abort(); peer.abort()
    }

    @Test("IPV6_V6ONLY refused: the bind fails (the socket would take the wrong families) instead of going on")
    func dualStackOptionFails() {
        let s = QUdpSocket(), log = SignalLog()
        record(s, into: log)
        SyscallFaults.inject(ENOPROTOOPT, into: .setsockopt)
        #expect(!s.bind(.any, 0))
        #expect(log.entries == ["errorOccurred(unsupportedSocketOperation)"])
        #expect(s.state == .unconnected && !s.isValid && s.errorString == "Unsupported socket operation")
        #expect(s.errorDetail.hasPrefix("setsockopt IPV6_V6ONLY for "))
        #expect(s.bind(.any, 0) && s.state == .bound)
        s.abort()
    }

    @Test("SO_REUSEADDR refused for ShareAddress: the bind fails rather than binding unshared")
    func shareOptionFails() {
        let s = QUdpSocket(), log = SignalLog()
        record(s, into: log)
        SyscallFaults.inject(ENOMEM, into: .setsockopt, after: 3)  // IP_PKTINFO, IP_RECVTTL, SO_BROADCAST, then SO_REUSEADDR
        #expect(!s.bind(.localHost, 0, .shareAddress))
        #expect(log.entries == ["errorOccurred(socketResource)"])
        #expect(s.state == .unconnected && !s.isValid && s.errorString == "Out of resources")
        #expect(s.errorDetail.hasPrefix("setsockopt SO_REUSEADDR for 127.0.0.1:0: "))
        #expect(s.bind(.localHost, 0, .shareAddress))
        s.abort()
    }

    @Test("a buffer size the application asks for and the kernel refuses is reported; the socket stays Bound and works")
    func bufferOptionFails() {
        let (r, s) = pair()
        let log = SignalLog()
        record(r, into: log)
        SyscallFaults.inject(ENOBUFS, into: .setsockopt, on: r.socketDescriptor)
        r.setSocketOption(.receiveBufferSize, 1 << 20)
        #expect(log.entries == ["errorOccurred(socketResource)"])
        #expect(r.state == .bound && r.errorString == "Out of resources")
        #expect(r.errorDetail.hasPrefix("setsockopt receiveBufferSize on 127.0.0.1:"))
        #expect(s.writeDatagram(bytes("after"), .localHost, r.localPort) == 5)
        #expect(receives(r, ["after"]))
        r.abort(); s.abort()
    }

    @Test(
        "sendto fails: −1, errorOccurred with Qt's code, no bytesWritten, state kept; the next datagram goes out",
        arguments: [
            UdpFault(code: EMSGSIZE, error: .datagramTooLarge, text: "Datagram was too large to send"),
            UdpFault(code: EAGAIN, error: .temporary, text: "Unable to send a datagram"),
            UdpFault(code: ECONNRESET, error: .remoteHostClosed, text: "The remote host closed the connection"),
            UdpFault(code: ENOBUFS, error: .network, text: "Unable to send a message"),
            UdpFault(code: EPERM, error: .network, text: "Unable to send a message"),
        ])
    func sendFails(_ fault: UdpFault) {
        let (r, s) = pair()
        let log = SignalLog()
        record(s, into: log)
        SyscallFaults.inject(fault.code, into: .sendto, on: s.socketDescriptor)
        #expect(s.writeDatagram(bytes("lost"), .localHost, r.localPort) == -1)
        #expect(log.entries == ["errorOccurred(\(fault.error))"])
        #expect(s.state == .bound && s.error == fault.error && s.errorString == fault.text)
        #expect(s.writeDatagram(bytes("next"), .localHost, r.localPort) == 4)
        #expect(log.entries == ["errorOccurred(\(fault.error))", "bytesWritten(4)"])
        #expect(receives(r, ["next"]))
        r.abort(); s.abort()
    }

    @Test("sendmsg (a datagram with control data) fails like sendto")
    func sendWithControlFails() {
        let (r, s) = pair()
        let log = SignalLog()
        record(s, into: log)
        var datagram = QNetworkDatagram(bytes("hop"), .localHost, r.localPort)
        datagram.hopLimit = 9
        SyscallFaults.inject(EMSGSIZE, into: .sendmsg, on: s.socketDescriptor)
        #expect(s.writeDatagram(datagram) == -1)
        #expect(log.entries == ["errorOccurred(datagramTooLarge)"])
        #expect(s.writeDatagram(datagram) == 3)
        #expect(receives(r, ["hop"]))
        r.abort(); s.abort()
    }

    @Test("an interrupted send (EINTR) is retried: one datagram, one bytesWritten, no error")
    func sendInterrupted() {
        let (r, s) = pair()
        let log = SignalLog()
        record(s, into: log)
        SyscallFaults.inject(EINTR, into: .sendto, on: s.socketDescriptor, times: 3)
        #expect(s.writeDatagram(bytes("once"), .localHost, r.localPort) == 4)
        #expect(log.entries == ["bytesWritten(4)"])
        #expect(SyscallFaults.injected == 3)
        #expect(receives(r, ["once"]))
        r.abort(); s.abort()
    }

    @Test("a refusal that ends a read's batch receive is that read's ConnectionRefusedError; the queued datagram follows")
    func batchReceiveRefused() {
        let (r, s) = pair()
        let log = SignalLog()
        record(r, into: log)
        SyscallFaults.inject(ECONNREFUSED, into: .recvmmsg, on: r.socketDescriptor)
        #expect(s.writeDatagram(bytes("kept"), .localHost, r.localPort) == 4)
        #expect(spinLoop { log.entries.contains("readyRead") })
        #expect(r.readDatagram(16) == nil)
        #expect(log.entries == ["readyRead", "errorOccurred(connectionRefused)"])
        #expect(r.error == .connectionRefused && r.errorString == "Connection refused" && r.state == .bound)
        #expect(receives(r, ["kept"]))
        r.abort(); s.abort()
    }

    @Test(
        "readyRead takes nothing from the kernel; a read whose receive fails reports NetworkError, and the next read gets the datagram"
    )
    func receiveFails() {
        let (r, s) = pair()
        let log = SignalLog()
        record(r, into: log)
        SyscallFaults.inject(ENOMEM, into: .recvmmsg, on: r.socketDescriptor)
        #expect(s.writeDatagram(bytes("kept"), .localHost, r.localPort) == 4)
        #expect(spinLoop { log.entries.contains("readyRead") })
        #expect(SyscallFaults.injected == 0)
        #expect(r.readDatagram(16) == nil)
        #expect(SyscallFaults.injected == 1)
        #expect(log.entries == ["readyRead", "errorOccurred(network)"])
        #expect(r.error == .network && r.errorString == "Unable to receive a message" && r.state == .bound)
        #expect(r.errorDetail.hasPrefix("receive on 127.0.0.1:"))
        #expect(receives(r, ["kept"]))
        r.abort(); s.abort()
    }

    @Test(
        "readDatagram(into:)'s own receive (recvfrom) fails: −1, errorOccurred with Qt's code and text; the next read gets the datagram",
        arguments: [
            UdpFault(code: ENOMEM, error: .network, text: "Unable to receive a message"),
            UdpFault(code: ECONNREFUSED, error: .connectionRefused, text: "Connection refused"),
        ])
    func directReceiveFails(_ fault: UdpFault) {
        let (r, s) = pair()
        let log = SignalLog()
        record(r, into: log)
        #expect(s.writeDatagram(bytes("kept"), .localHost, r.localPort) == 4)
        #expect(spinLoop { log.entries.contains("readyRead") })
        SyscallFaults.inject(fault.code, into: .recvfrom, on: r.socketDescriptor)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(buffer.withUnsafeMutableBytes { r.readDatagram(into: $0).size } == -1)
        #expect(log.entries == ["readyRead", "errorOccurred(\(fault.error))"])
        #expect(r.error == fault.error && r.errorString == fault.text && r.state == .bound)
        #expect(r.errorDetail.hasPrefix("receive on 127.0.0.1:"))
        let next = buffer.withUnsafeMutableBytes { r.readDatagram(into: $0) }
        #expect(next.size == 4 && Array(buffer.prefix(4)) == bytes("kept") && next.port == s.localPort)
        r.abort(); s.abort()
    }

    @Test("an interrupted readDatagram(into:) receive (EINTR) is retried: the datagram is read once, with no error")
    func directReceiveInterrupted() {
        let (r, s) = pair()
        let log = SignalLog()
        record(r, into: log)
        #expect(s.writeDatagram(bytes("one"), .localHost, r.localPort) == 3)
        #expect(spinLoop { log.entries.contains("readyRead") })
        SyscallFaults.inject(EINTR, into: .recvfrom, on: r.socketDescriptor, times: 2)
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(buffer.withUnsafeMutableBytes { r.readDatagram(into: $0).size } == 3)
        #expect(SyscallFaults.injected == 2)
        #expect(log.entries == ["readyRead"])
        r.abort(); s.abort()
    }

    @Test("readDatagrams: a failure before any datagram is the call's error; one after some is kept for the next call")
    func batchReceiveFails() {
        let (r, s) = pair()
        let log = SignalLog()
        record(r, into: log)
        SyscallFaults.inject(ENOMEM, into: .recvmmsg, on: r.socketDescriptor)
        #expect(r.readDatagrams(maxCount: 8).isEmpty)
        #expect(log.entries == ["errorOccurred(network)"] && r.errorString == "Unable to receive a message")
        let total = BatchScratch.slots + 4
        for i in 0..<total { #expect(s.writeDatagram(bytes("b\(i)"), .localHost, r.localPort) > 0) }
        // The first recvmmsg takes a full batch; the second fails: the batch is returned, the
        // error waits.
        SyscallFaults.inject(ECONNREFUSED, into: .recvmmsg, on: r.socketDescriptor, after: 1)
        let first = r.readDatagrams(maxCount: total)
        #expect(first.map { String(decoding: $0.data, as: UTF8.self) } == (0..<BatchScratch.slots).map { "b\($0)" })
        #expect(log.entries == ["errorOccurred(network)"])
        #expect(r.readDatagrams(maxCount: total).isEmpty)
        #expect(log.entries == ["errorOccurred(network)", "errorOccurred(connectionRefused)"])
        let rest = r.readDatagrams(maxCount: total)
        #expect(rest.map { String(decoding: $0.data, as: UTF8.self) } == (BatchScratch.slots..<total).map { "b\($0)" })
        r.abort(); s.abort()
    }

    @Test("an interrupted receive (EINTR) is retried: the datagram arrives once, with no error")
    func receiveInterrupted() {
        let (r, s) = pair()
        let log = SignalLog()
        record(r, into: log)
        SyscallFaults.inject(EINTR, into: .recvmmsg, on: r.socketDescriptor, times: 2)
        #expect(s.writeDatagram(bytes("one"), .localHost, r.localPort) == 3)
        #expect(receives(r, ["one"]))
        #expect(SyscallFaults.injected == 2)
        #expect(!log.entries.contains { $0.hasPrefix("errorOccurred") })
        r.abort(); s.abort()
    }

    @Test("a refusal found by hasPendingDatagrams is reported by the next read, as ConnectionRefusedError")
    func pendingCheckRefusal() {
        let (r, s) = pair()
        let log = SignalLog()
        record(r, into: log)
        SyscallFaults.inject(ECONNREFUSED, into: .recvmmsg, on: r.socketDescriptor)
        #expect(!r.hasPendingDatagrams())
        #expect(r.readDatagram(16) == nil)
        #expect(log.entries == ["errorOccurred(connectionRefused)"])
        #expect(r.errorString == "Connection refused")
        #expect(s.writeDatagram(bytes("then"), .localHost, r.localPort) == 4)
        #expect(receives(r, ["then"]))
        r.abort(); s.abort()
    }

    @Test("sendmmsg fails on its second call: the first 64 datagrams are sent and counted, then writeDatagram's error")
    func batchFailsMidway() {
        let (r, s) = pair()
        r.setSocketOption(.receiveBufferSize, 1 << 20)
        var errors: [QAbstractSocket.SocketError] = []
        var written = 0
        s.errorOccurred.connect { errors.append($0) }
        s.bytesWritten.connect { _ in written += 1 }
        s.segmentationLimit = 0  // every run by sendmmsg (segmented sends: DatagramSegmentationTests)
        SyscallFaults.inject(ENOBUFS, into: .sendmmsg, on: s.socketDescriptor, after: 1)
        let batch = (0..<100).map { QNetworkDatagram(bytes("d\($0)"), .localHost, r.localPort) }
        #expect(s.writeDatagrams(batch) == 64)
        #expect(written == 64 && errors == [.network] && s.errorString == "Unable to send a message")
        #expect(receives(r, (0..<64).map { "d\($0)" }))
        #expect(s.writeDatagrams(Array(batch[64...])) == 36)
        #expect(receives(r, (64..<100).map { "d\($0)" }))
        r.abort(); s.abort()
    }

    @Test("close() reports EIO: the descriptor is gone anyway, the socket is Unconnected, nothing leaks")
    func closeFails() {
        let s = QUdpSocket(), log = SignalLog()
        #expect(s.bind(.localHost, 0))
        record(s, into: log)
        let fd = s.socketDescriptor
        SyscallFaults.inject(EIO, into: .close, on: fd)
        s.close()
        #expect(SyscallFaults.injected == 1)
        #expect(fcntl(fd, F_GETFD) == -1 && errno == EBADF)
        #expect(s.state == .unconnected && !s.isValid)
        #expect(log.entries.contains("stateChanged(unconnected)"))
        #expect(s.bind(.localHost, 0))
        s.abort()
    }

    @Test("an interrupted poll (EINTR) inside waitForReadyRead is resumed and still sees the datagram")
    func waitInterrupted() {
        let (r, s) = pair()
        SyscallFaults.inject(EINTR, into: .poll, on: r.socketDescriptor, times: 2)
        #expect(s.writeDatagram(bytes("w"), .localHost, r.localPort) == 1)
        #expect(r.waitForReadyRead(2000))
        #expect(receives(r, ["w"]))
        r.abort(); s.abort()
    }
}
