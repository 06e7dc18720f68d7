import QCore
import QKitTestSupport
import Testing

@testable import QNetwork

#if canImport(Glibc)
import Glibc
#endif

/// `writeDatagrams` with kernel segmentation (UDP GSO): equal-size datagrams to one peer go
/// as one send, the receiver still gets them one by one; a refused segmented send falls back
/// to `sendmmsg`; a real failure is reported as a failed `writeDatagram` reports it.
@Suite("QUdpSocket segmented batch sends", .serialized, .faultsCleared, .descriptorChecked)
struct DatagramSegmentationTests {
    private func pair() -> (QUdpSocket, QUdpSocket) {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0) && s.bind(.localHost, 0))
        r.setSocketOption(.receiveBufferSize, 4 << 20)
        return (r, s)
    }

    /// A pair whose sender's calls are counted per operation; the test needs a kernel that
    /// segments UDP sends.
    private func countedPair() throws -> (QUdpSocket, QUdpSocket) {
        try #require(Posix.segmentationSupported, "this kernel cannot segment UDP sends")
        let (r, s) = pair()
        SyscallFaults.count(on: s.socketDescriptor)
        return (r, s)
    }

    /// Equal-size payloads: "n" followed by the number, padded with dots to `size` bytes.
    private func equal(_ count: Int, size: Int, to port: UInt16, from start: Int = 0) -> [QNetworkDatagram] {
        (start..<(start + count)).map { i in
            var text = Array("n\(i)".utf8)
            text += [UInt8](repeating: UInt8(ascii: "."), count: size - text.count)
            return QNetworkDatagram(text, .localHost, port)
        }
    }

    /// Every datagram waiting at `r`, spinning the loop until `count` came or time ran out.
    private func receive(_ r: QUdpSocket, _ count: Int) -> [[UInt8]] {
        var got: [[UInt8]] = []
        _ = spinLoop {
            while r.hasPendingDatagrams() { got.append(r.receiveDatagram().data) }
            return got.count >= count
        }
        pump()
        while r.hasPendingDatagrams() { got.append(r.receiveDatagram().data) }
        return got
    }

    @Test("64 equal datagrams to one peer: one segmented send, received one by one, in order, with bytesWritten each")
    func equalRunSegmented() throws {
        try #require(Posix.segmentationSupported, "this kernel cannot segment UDP sends")
        let (r, s) = pair()
        var written: [Int64] = []
        s.bytesWritten.connect { written.append($0) }
        SyscallFaults.count(on: s.socketDescriptor)
        let batch = equal(64, size: 100, to: r.localPort)
        #expect(s.writeDatagrams(batch) == 64)
        #expect(SyscallFaults.calls(of: .sendSegmented) == 1 && SyscallFaults.calls(of: .sendmmsg) == 0)
        #expect(written == [Int64](repeating: 100, count: 64))
        #expect(receive(r, 64) == batch.map(\.data))
        r.abort(); s.abort()
    }

    @Test("1200-byte datagrams are cut into sends of at most 65,507 bytes: 54, then the rest")
    func largeRunSplit() throws {
        let (r, s) = try countedPair()
        let batch = equal(64, size: 1200, to: r.localPort)
        #expect(s.writeDatagrams(batch) == 64)
        #expect(SyscallFaults.calls(of: .sendSegmented) == 2)
        let got = receive(r, 64)
        #expect(got.count == 64 && got.allSatisfy { $0.count == 1200 })
        #expect(got == batch.map(\.data))
        r.abort(); s.abort()
    }

    @Test("mixed sizes and destinations keep their order at each receiver; lone datagrams go by sendmmsg")
    func mixedRuns() throws {
        let (a, s) = try countedPair()
        let b = QUdpSocket()
        #expect(b.bind(.localHost, 0))
        let batch =
            equal(3, size: 10, to: a.localPort, from: 0) + equal(2, size: 10, to: b.localPort, from: 3)
            + equal(1, size: 20, to: a.localPort, from: 5) + equal(4, size: 30, to: a.localPort, from: 6)
        #expect(s.writeDatagrams(batch) == 10)
        // Runs: 3 to a, 2 to b, 4 to a segmented; the lone 20-byte one by sendmmsg.
        #expect(SyscallFaults.calls(of: .sendSegmented) == 3 && SyscallFaults.calls(of: .sendmmsg) == 1)
        let toA = batch.filter { $0.destinationPort == a.localPort }.map(\.data)
        let toB = batch.filter { $0.destinationPort == b.localPort }.map(\.data)
        #expect(receive(a, toA.count) == toA)
        #expect(receive(b, toB.count) == toB)
        a.abort(); b.abort(); s.abort()
    }

    @Test("a refused segmented send (EIO) goes again by sendmmsg, nothing lost or doubled; the socket stops segmenting")
    func refusedFallsBack() throws {
        let (r, s) = try countedPair()
        var errors: [QAbstractSocket.SocketError] = []
        s.errorOccurred.connect { errors.append($0) }
        SyscallFaults.inject(EIO, into: .sendSegmented, on: s.socketDescriptor)
        let first = equal(8, size: 50, to: r.localPort)
        #expect(s.writeDatagrams(first) == 8)
        #expect(errors.isEmpty && s.error == .unknownSocket)
        #expect(receive(r, 8) == first.map(\.data))
        let second = equal(8, size: 50, to: r.localPort, from: 8)
        #expect(s.writeDatagrams(second) == 8)
        #expect(SyscallFaults.calls(of: .sendSegmented) == 1 && SyscallFaults.calls(of: .sendmmsg) == 2)
        #expect(receive(r, 8) == second.map(\.data))
        r.abort(); s.abort()
    }

    @Test("a size over the route's limit (EINVAL) stops segmenting that size and larger, not smaller ones")
    func oversizeLowersLimit() throws {
        let (r, s) = try countedPair()
        SyscallFaults.inject(EINVAL, into: .sendSegmented, on: s.socketDescriptor)
        #expect(s.writeDatagrams(equal(4, size: 200, to: r.localPort)) == 4)
        #expect(s.writeDatagrams(equal(4, size: 300, to: r.localPort, from: 4)) == 4)
        #expect(s.writeDatagrams(equal(4, size: 100, to: r.localPort, from: 8)) == 4)
        #expect(SyscallFaults.calls(of: .sendSegmented) == 2, "the refused 200, then the 100; never the 300")
        #expect(receive(r, 12).count == 12)
        r.abort(); s.abort()
    }

    @Test("a segmented send that would block sends none of its run: the datagrams before count, TemporaryError")
    func wouldBlock() throws {
        let (r, s) = try countedPair()
        var errors: [QAbstractSocket.SocketError] = []
        s.errorOccurred.connect { errors.append($0) }
        SyscallFaults.inject(EAGAIN, into: .sendSegmented, on: s.socketDescriptor)
        let batch = [QNetworkDatagram(bytes("lone"), .localHost, r.localPort)] + equal(5, size: 40, to: r.localPort)
        #expect(s.writeDatagrams(batch) == 1)
        #expect(errors == [.temporary] && s.errorString == "Unable to send a datagram")
        #expect(receive(r, 1) == [bytes("lone")])
        r.abort(); s.abort()
    }

    @Test("a real failure of a segmented send is the batch's error, as writeDatagram reports it, with no second try")
    func realFailureReported() throws {
        let (r, s) = try countedPair()
        var errors: [QAbstractSocket.SocketError] = []
        s.errorOccurred.connect { errors.append($0) }
        SyscallFaults.inject(ENETUNREACH, into: .sendSegmented, on: s.socketDescriptor)
        #expect(s.writeDatagrams(equal(6, size: 40, to: r.localPort)) == 0)
        #expect(errors == [.network] && s.errorString == "Unable to send a message")
        #expect(SyscallFaults.calls(of: .sendmmsg) == 0)
        #expect(receive(r, 0).isEmpty)
        #expect(s.writeDatagrams(equal(6, size: 40, to: r.localPort)) == 6, "the socket still segments and works")
        #expect(receive(r, 6).count == 6)
        r.abort(); s.abort()
    }

    @Test("over IPv6 the same: one segmented send, received one by one, in order")
    func ipv6Run() throws {
        try #require(Posix.segmentationSupported, "this kernel cannot segment UDP sends")
        let r = QUdpSocket(), s = QUdpSocket()
        try #require(r.bind(.localHostIPv6, 0), "no IPv6 loopback here")
        #expect(s.bind(.localHostIPv6, 0))
        SyscallFaults.count(on: s.socketDescriptor)
        let batch = (0..<20).map { i in
            QNetworkDatagram(
                Array("v6-\(i)".utf8) + [UInt8](repeating: 0, count: 60 - "v6-\(i)".utf8.count), .localHostIPv6, r.localPort)
        }
        #expect(s.writeDatagrams(batch) == 20)
        #expect(SyscallFaults.calls(of: .sendSegmented) == 1)
        #expect(receive(r, 20) == batch.map(\.data))
        r.abort(); s.abort()
    }
}
