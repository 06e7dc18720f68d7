import QCore
import QKitTestSupport
import QNetwork
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Collects datagrams of `socket.datagrams` in a task until `count` arrived, the sequence
/// ended, or it threw.
func collectDatagrams(_ datagrams: QUdpSocket.Datagrams, upTo count: Int)
    -> (seen: Guarded<[String]>, ended: Guarded<Bool>, thrown: Guarded<QSocketError?>)
{
    let seen = Guarded<[String]>([]), ended = Guarded(false), thrown = Guarded<QSocketError?>(nil)
    Task {
        do {
            for try await datagram in datagrams {
                let n = seen.withLock {
                    $0.append(String(decoding: datagram.data, as: UTF8.self)); return $0.count
                }
                if n == count { break }
            }
        } catch let error as QSocketError {
            thrown.withLock { $0 = error }
        } catch {}
        ended.withLock { $0 = true }
    }
    return (seen, ended, thrown)
}

@Suite("QUdpSocket.datagrams (for try await)", .descriptorChecked)
struct AsyncDatagramTests {
    @Test("datagrams yields what arrives, in order, and ends when the socket is closed")
    func yieldsThenEndsAtClose() {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0))
        let (seen, ended, thrown) = collectDatagrams(r.datagrams, upTo: 100)
        // The iteration starts reading on the socket's thread, by a posted call.
        #expect(spinLoop { r.readyRead.receiverCount == 1 })
        for text in ["one", "two", "three"] { _ = s.writeDatagram(bytes(text), .localHost, r.localPort) }
        #expect(spinLoop { seen.withLock { $0.count } == 3 })
        #expect(seen.withLock { $0 } == ["one", "two", "three"])
        r.close()
        #expect(spinLoop { ended.withLock { $0 } })
        #expect(thrown.withLock { $0 } == nil)
        s.abort()
    }

    @Test("datagrams already waiting when the iteration starts are yielded first")
    func waitingDatagramsFirst() {
        let r = QUdpSocket(), s = QUdpSocket()
        #expect(r.bind(.localHost, 0))
        _ = s.writeDatagram(bytes("early"), .localHost, r.localPort)
        #expect(spinLoop { r.hasPendingDatagrams() })
        let (seen, ended, _) = collectDatagrams(r.datagrams, upTo: 2)
        #expect(spinLoop { seen.withLock { $0.count } == 1 })
        _ = s.writeDatagram(bytes("late"), .localHost, r.localPort)
        #expect(spinLoop { ended.withLock { $0 } })
        #expect(seen.withLock { $0 } == ["early", "late"])
        // Leaving the loop took the reading connection down again.
        #expect(spinLoop { r.readyRead.receiverCount == 0 })
        r.abort(); s.abort()
    }

    @Test("a refused connected socket throws ConnectionRefusedError with Qt's text")
    func throwsRefusal() {
        let probe = QUdpSocket()
        #expect(probe.bind(.localHost, 0))
        let deadPort = probe.localPort
        probe.abort()
        let s = QUdpSocket()
        s.connectToHost(.localHost, deadPort)
        let (_, ended, thrown) = collectDatagrams(s.datagrams, upTo: 1)
        #expect(spinLoop { s.readyRead.receiverCount == 1 })
        #expect(s.write("x") == 1)
        #expect(spinLoop { ended.withLock { $0 } })
        #expect(thrown.withLock { $0?.code } == .connectionRefused)
        #expect(thrown.withLock { $0?.errorString } == "Connection refused")
        #expect(thrown.withLock { $0?.description } == "ConnectionRefusedError: Connection refused")
        s.abort()
    }

    @Test("an unbound socket's datagrams end at once")
    func unboundEndsAtOnce() {
        let s = QUdpSocket()
        let (seen, ended, thrown) = collectDatagrams(s.datagrams, upTo: 1)
        #expect(spinLoop { ended.withLock { $0 } })
        #expect(seen.withLock { $0 }.isEmpty && thrown.withLock { $0 } == nil)
    }
}
