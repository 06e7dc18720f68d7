import QCore
import QKitTestSupport
import Testing

@testable import QNetwork

/// readyRead's kernel watch: none until readyRead has a receiver; a reader that keeps up
/// leaves it on (no watch change per readyRead); a slot that does not read turns it off until
/// a read, as Qt does; and while datagrams taken ahead still wait, readyRead comes from them,
/// never twice.
@Suite("QUdpSocket readyRead watch", .descriptorChecked)
struct UdpReadyReadWatchTests {
    private func pair() -> (QUdpSocket, QUdpSocket) {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0) && s.bind(.localHost, 0))
        return (r, s)
    }

    @Test("a socket whose readyRead has no receiver is not watched, however much it sends and reads")
    func noReceiverNoWatch() {
        let (r, s) = pair()
        #expect(s.writeDatagram(bytes("out"), .localHost, r.localPort) == 3)
        #expect(spinLoop { r.hasPendingDatagrams() })
        #expect(r.readDatagram(10)?.data == bytes("out"))
        #expect(s.readNotifier == nil && r.readNotifier == nil)
        r.abort(); s.abort()
    }

    @Test("readyRead connected after datagrams arrived is emitted on the next loop pass, once")
    func lateReceiverGetsReadyRead() {
        let (r, s) = pair()
        _ = s.writeDatagram(bytes("early"), .localHost, r.localPort)
        _ = s.writeDatagram(bytes("later"), .localHost, r.localPort)
        pump()
        var emissions = 0
        r.readyRead.connect { emissions += 1 }
        #expect(r.readNotifier?.isEnabled == true)
        #expect(spinLoop { emissions == 1 })
        pump(); pump()
        #expect(emissions == 1)
        #expect(r.readDatagram(10)?.data == bytes("early"))
        #expect(spinLoop { emissions == 2 })
        r.abort(); s.abort()
    }

    @Test("a readyRead slot that reads everything leaves the kernel watch on for the next datagram")
    func readerKeepsWatch() {
        let (r, s) = pair()
        var got: [[UInt8]] = []
        r.readyRead.connect(receiver: r) { r in while let d = r.readDatagram(100) { got.append(d.data) } }
        _ = s.writeDatagram(bytes("one"), .localHost, r.localPort)
        #expect(spinLoop { got.count == 1 })
        #expect(r.readNotifier?.isEnabled == true)
        _ = s.writeDatagram(bytes("two"), .localHost, r.localPort)
        #expect(spinLoop { got.count == 2 })
        #expect(got == [bytes("one"), bytes("two")])
        r.abort(); s.abort()
    }

    @Test("a readyRead slot that reads nothing: no second readyRead until a read, and the watch goes off")
    func idleSlotStopsWatch() {
        let (r, s) = pair()
        var emissions = 0
        r.readyRead.connect { emissions += 1 }
        _ = s.writeDatagram(bytes("a"), .localHost, r.localPort)
        #expect(spinLoop { emissions == 1 })
        _ = s.writeDatagram(bytes("b"), .localHost, r.localPort)
        pump(); pump()
        #expect(emissions == 1)
        #expect(r.readNotifier?.isEnabled == false, "the watch went off when it fired with no read since readyRead")
        #expect(r.readDatagram(10)?.data == bytes("a"))
        #expect(spinLoop { emissions == 2 })
        r.abort(); s.abort()
    }

    @Test("one read per readyRead while datagrams keep coming: every readyRead finds one, in order")
    func oneReadPerReadyReadInOrder() {
        let (r, s) = pair()
        var emissions = 0
        var emptyEmissions = 0
        var got: [String] = []
        r.readyRead.connect(receiver: r) { r in
            emissions += 1
            guard let d = r.readDatagram(100) else {
                emptyEmissions += 1
                return
            }
            got.append(String(decoding: d.data, as: UTF8.self))
        }
        for i in 0..<5 { _ = s.writeDatagram(bytes("m\(i)"), .localHost, r.localPort) }
        #expect(spinLoop { got.count >= 1 })
        for i in 5..<10 { _ = s.writeDatagram(bytes("m\(i)"), .localHost, r.localPort) }
        #expect(spinLoop { got.count == 10 })
        pump(); pump()
        #expect(got == (0..<10).map { "m\($0)" })
        #expect(emptyEmissions == 0 && emissions == 10)
        r.abort(); s.abort()
    }

    @Test("after a read leaves datagrams taken ahead, a readyRead without a read is the last until a read")
    func noReadyReadAfterUnreadEmission() {
        let (r, s) = pair()
        var emissions = 0
        r.readyRead.connect(receiver: r) { r in
            emissions += 1
            if emissions == 1 { _ = r.readDatagram(100) }  // one of several: the rest wait taken ahead
        }
        for i in 0..<4 { _ = s.writeDatagram(bytes("a\(i)"), .localHost, r.localPort) }
        #expect(spinLoop { emissions == 2 }, "the read re-armed readyRead for the datagrams still waiting")
        for i in 0..<4 { _ = s.writeDatagram(bytes("b\(i)"), .localHost, r.localPort) }
        pump(); pump()
        #expect(emissions == 2, "the second readyRead was not followed by a read")
        #expect(r.readDatagram(100)?.data == bytes("a1"))
        #expect(spinLoop { emissions == 3 })
        r.abort(); s.abort()
    }
}
