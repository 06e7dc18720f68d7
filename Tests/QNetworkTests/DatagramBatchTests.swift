import QCore
import QKitTestSupport
import QNetwork
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `writeDatagrams` and `readDatagrams(maxCount:)`: many datagrams per system call, with
/// Qt's one-datagram signals and rules kept.
@Suite("QUdpSocket datagram batches", .descriptorChecked)
struct DatagramBatchTests {
    /// Reads batches of at most `maxCount` until `count` datagrams arrived (or time runs out).
    func receive(_ r: QUdpSocket, _ count: Int, maxCount: Int = 64) -> [QNetworkDatagram] {
        var got: [QNetworkDatagram] = []
        _ = spinLoop {
            got += r.readDatagrams(maxCount: maxCount)
            return got.count >= count
        }
        return got
    }

    func numbered(_ count: Int, to port: UInt16, from start: Int = 0) -> [QNetworkDatagram] {
        (start..<(start + count)).map { QNetworkDatagram(bytes("datagram \($0)"), .localHost, port) }
    }

    @Test("a batch is sent in order, counted whole, with one bytesWritten per datagram")
    func batchInOrder() {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0) && s.bind(.localHost, 0))
        r.setSocketOption(.receiveBufferSize, 1 << 20)
        var written: [Int64] = []
        s.bytesWritten.connect { written.append($0) }
        let batch = numbered(150, to: r.localPort)  // more than one sendmmsg (64 each)
        #expect(s.writeDatagrams(batch) == 150)
        #expect(written == batch.map { Int64($0.data.count) })
        let got = receive(r, 150)
        #expect(got.map(\.data) == batch.map(\.data))
        #expect(got.allSatisfy { $0.senderAddress == .localHost && $0.senderPort == s.localPort })
        r.abort(); s.abort()
    }

    @Test("an empty batch sends nothing, emits nothing and leaves an unbound socket unbound")
    func emptyBatch() {
        let s = QUdpSocket()
        let log = SignalLog()
        record(s, into: log)
        #expect(s.writeDatagrams([]) == 0)
        #expect(s.state == .unconnected)
        #expect(log.entries.isEmpty)
        s.abort()
    }

    @Test("an unbound socket binds before its first batch, as writeDatagram does")
    func unboundBindsFirst() {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0))
        let log = SignalLog()
        record(s, into: log)
        #expect(s.writeDatagrams(numbered(2, to: r.localPort)) == 2)
        #expect(s.state == .bound)
        #expect(log.entries.first == "stateChanged(bound)")
        #expect(receive(r, 2).count == 2)
        r.abort(); s.abort()
    }

    @Test("one batch to mixed destinations reaches each receiver in its order")
    func mixedDestinations() {
        let a = QUdpSocket(), b = QUdpSocket(), s = QUdpSocket()
        #expect(a.bind(.localHost, 0) && b.bind(.localHost, 0) && s.bind(.localHost, 0))
        var batch: [QNetworkDatagram] = []
        for i in 0..<20 { batch.append(QNetworkDatagram(bytes("\(i)"), .localHost, i % 2 == 0 ? a.localPort : b.localPort)) }
        #expect(s.writeDatagrams(batch) == 20)
        #expect(receive(a, 10).map { String(decoding: $0.data, as: UTF8.self) } == stride(from: 0, to: 20, by: 2).map { "\($0)" })
        #expect(receive(b, 10).map { String(decoding: $0.data, as: UTF8.self) } == stride(from: 1, to: 20, by: 2).map { "\($0)" })
        a.abort(); b.abort(); s.abort()
    }

    @Test(
        "a failure mid-batch: the datagrams before it are sent and counted, the error is writeDatagram's, the rest are not sent")
    func failureMidBatch() {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0) && s.bind(.localHost, 0))
        var batch = numbered(3, to: r.localPort)
        batch.append(QNetworkDatagram([UInt8](repeating: 0, count: 70_000), .localHost, r.localPort))  // too large for UDP
        batch += numbered(3, to: r.localPort, from: 3)
        var errors: [QAbstractSocket.SocketError] = []
        var written = 0
        s.errorOccurred.connect { errors.append($0) }
        s.bytesWritten.connect { _ in written += 1 }
        #expect(s.writeDatagrams(batch) == 3)
        #expect(written == 3)
        #expect(errors == [.datagramTooLarge])
        #expect(s.error == .datagramTooLarge)
        #expect(s.errorString == "Datagram was too large to send")
        #expect(s.errorDetail.contains("127.0.0.1:\(r.localPort)"))
        let got = receive(r, 3)
        _ = spinLoop(timeoutMs: 100) { false }  // anything sent after the failure would arrive meanwhile
        #expect((got + r.readDatagrams(maxCount: 10)).map(\.data) == batch.prefix(3).map(\.data))
        r.abort(); s.abort()
    }

    @Test("a datagram with a hop limit in a batch goes with its control data, in order")
    func controlDataInBatch() {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0) && s.bind(.localHost, 0))
        var batch = numbered(5, to: r.localPort)
        batch[2].hopLimit = 9
        #expect(s.writeDatagrams(batch) == 5)
        let got = receive(r, 5)
        #expect(got.map(\.data) == batch.map(\.data))
        #expect(got.count == 5 && got[2].hopLimit == 9 && got[1].hopLimit != 9 && got[3].hopLimit != 9)
        r.abort(); s.abort()
    }

    @Test("readDatagrams returns at most maxCount, in order; the rest stay pending for the next read")
    func maxCountLimitsTheBatch() {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0) && s.bind(.localHost, 0))
        let batch = numbered(40, to: r.localPort)
        #expect(s.writeDatagrams(batch) == 40)
        #expect(spinLoop { r.hasPendingDatagrams() })
        _ = spinLoop(timeoutMs: 50) { false }  // let all 40 arrive
        let first = r.readDatagrams(maxCount: 25)
        #expect(first.count == 25)
        let rest = r.readDatagrams(maxCount: 100)
        #expect((first + rest).map(\.data) == batch.map(\.data))
        #expect(r.readDatagrams(maxCount: 100).isEmpty)
        r.abort(); s.abort()
    }

    @Test("readDatagrams with nothing waiting returns an empty batch with no error")
    func emptyRead() {
        let r = QUdpSocket()
        #expect(r.bind(.localHost, 0))
        var errors = 0
        r.errorOccurred.connect { _ in errors += 1 }
        #expect(r.readDatagrams(maxCount: 16).isEmpty)
        #expect(r.readDatagrams(maxCount: 0).isEmpty)
        #expect(errors == 0)
        #expect(r.error == .unknownSocket)
        r.abort()
    }

    @Test("readDatagrams on an unbound socket warns and returns nothing")
    func unboundRead() {
        let r = QUdpSocket()
        var got: [QNetworkDatagram] = [QNetworkDatagram()]
        let warnings = capturedWarnings { got = r.readDatagrams(maxCount: 4) }
        #expect(got.isEmpty)
        #expect(warnings == ["QUdpSocket::readDatagrams() called on a QUdpSocket when not in QUdpSocket::BoundState"])
    }

    @Test("readyRead fires again while a batch read leaves datagrams waiting, as after a single read")
    func readyReadRearms() {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0) && s.bind(.localHost, 0))
        var emissions = 0
        var got: [QNetworkDatagram] = []
        r.readyRead.connect(receiver: r) { r in
            emissions += 1
            got += r.readDatagrams(maxCount: 5)
        }
        let batch = numbered(20, to: r.localPort)
        #expect(s.writeDatagrams(batch) == 20)
        #expect(spinLoop { got.count == 20 })
        #expect(got.map(\.data) == batch.map(\.data))
        #expect(emissions >= 4, "20 datagrams read 5 at a time need at least 4 readyRead")
        r.abort(); s.abort()
    }

    @Test("a refusal of a connected socket ends a read batch with ConnectionRefusedError")
    func refusalReported() {
        let closed = QUdpSocket()
        #expect(closed.bind(.localHost, 0))
        let port = closed.localPort
        closed.abort()
        let s = QUdpSocket()
        s.connectToHost(.localHost, port)
        #expect(s.writeDatagrams([QNetworkDatagram(bytes("anyone?"))]) == 1)
        var errors: [QAbstractSocket.SocketError] = []
        s.errorOccurred.connect { errors.append($0) }
        _ = spinLoop {
            _ = s.readDatagrams(maxCount: 4); return !errors.isEmpty
        }
        #expect(errors == [.connectionRefused])
        s.abort()
    }
}
