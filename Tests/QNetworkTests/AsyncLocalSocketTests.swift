import QCore
import QKitTestSupport
import QNetwork
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// QLocalServer.connections, QLocalSocket.bytes, send and the async waitFor calls, run on the
/// test's thread through its QKit executor (the loop spun meanwhile).
@Suite("QLocalSocket and QLocalServer async API", .descriptorChecked)
struct AsyncLocalSocketTests {
    @Test("connections yields each accepted socket, and ends when the server closes")
    func connectionsThenClose() {
        let server = QLocalServer()
        #expect(server.listen(uniqueName("async-accept")))
        nonisolated(unsafe) let s = server
        let clients = [QLocalSocket(), QLocalSocket()]
        QTimer.singleShot(10) {
            for c in clients { c.connectToServer(server.serverName) }
        }
        let fullName = server.fullServerName
        QTimer.singleShot(100) { server.close() }
        let names = runOnThisThread { _ -> [String] in
            var names: [String] = []
            for await client in s.connections {
                names.append(client.fullServerName)
                client.abort()
            }
            return names
        }
        #expect(names == [server.fullServerName, server.fullServerName].map { _ in fullName })
        #expect(server.newConnection.receiverCount == 0)
        for c in clients { c.abort() }
    }

    @Test("bytes yields the chunks as they come and ends after the peer closes")
    func bytesUntilPeerCloses() {
        guard let (server, c, end) = connectedPair("async-bytes") else { Issue.record("no pair"); return }
        nonisolated(unsafe) let reader = end
        QTimer.singleShot(5) {
            _ = c.write("ab"); _ = c.flush()
        }
        QTimer.singleShot(30) {
            _ = c.write("cd"); c.disconnectFromServer()
        }
        let text = runOnThisThread { _ -> String in
            var all: [UInt8] = []
            for await chunk in reader.bytes { all += chunk }
            return String(decoding: all, as: UTF8.self)
        }
        #expect(text == "abcd")
        #expect(end.readyRead.receiverCount == 0)
        c.abort(); end.abort(); server.close()
    }

    @Test("send returns once the kernel has taken every byte, while the reader keeps reading")
    func sendWithBackpressure() {
        guard let (server, c, end) = connectedPair("async-send") else { Issue.record("no pair"); return }
        var received = 0
        end.readyRead.connect(receiver: end) { end in received += end.readAll().count }
        nonisolated(unsafe) let writer = c
        let payload = [UInt8](repeating: 7, count: 4 << 20)
        let outcome = runOnThisThread(timeoutMs: 10000) { _ -> String in
            do {
                try await writer.send(payload)
                return "sent, \(writer.bytesToWrite) left"
            } catch {
                return "\(error)"
            }
        }
        #expect(outcome == "sent, 0 left")
        #expect(spinLoop { received == payload.count })
        c.abort(); end.abort(); server.close()
    }

    @Test("send on a socket that is not connected throws OperationError")
    func sendUnconnectedThrows() {
        nonisolated(unsafe) let c = QLocalSocket()
        let thrown = runOnThisThread { _ -> QLocalSocketError? in
            do { try await c.send([1, 2, 3]); return nil } catch let e as QLocalSocketError { return e } catch { return nil }
        }
        #expect(thrown??.code == .operation)
    }

    @Test("send throws PeerClosedError when the reader goes away before the bytes are out")
    func sendPeerGoneThrows() {
        guard let (server, c, end) = connectedPair("async-send-gone") else { Issue.record("no pair"); return }
        nonisolated(unsafe) let writer = c
        // The reader takes at most 1 KiB off the kernel, so the writer stays blocked.
        end.setReadBufferSize(1024)
        QTimer.singleShot(20) { end.abort() }
        let thrown = runOnThisThread { _ -> QLocalSocketError? in
            do { try await writer.send([UInt8](repeating: 1, count: 8 << 20)); return nil } catch let e as QLocalSocketError {
                return e
            } catch { return nil }
        }
        #expect(thrown??.code == .peerClosed)
        #expect(thrown??.errorString == "QLocalSocket: Remote closed")
        c.abort(); server.close()
    }

    @Test("waitForReadyRead suspends until bytes arrive; on time-out it is false with SocketTimeoutError")
    func asyncWaitForReadyRead() {
        guard let (server, c, end) = connectedPair("async-wfrr") else { Issue.record("no pair"); return }
        nonisolated(unsafe) let reader = end
        QTimer.singleShot(20) {
            _ = c.write("x"); _ = c.flush()
        }
        let arrived = runOnThisThread { _ -> Bool in await reader.waitForReadyRead(2000) }
        #expect(arrived == true)
        #expect(end.readAll() == bytes("x"))
        let timedOut = runOnThisThread { _ -> Bool in await reader.waitForReadyRead(20) }
        #expect(timedOut == false)
        #expect(end.error == .socketTimeout && end.errorString == "QLocalSocket: Socket operation timed out")
        #expect(end.state == .connected)
        c.abort(); end.abort(); server.close()
    }

    @Test("waitForConnected, waitForBytesWritten and waitForDisconnected suspend until their signal")
    func asyncWaits() {
        guard let (server, c, end) = connectedPair("async-waits") else { Issue.record("no pair"); return }
        nonisolated(unsafe) let client = c
        #expect(runOnThisThread { _ -> Bool in await client.waitForConnected(100) } == true)
        #expect(
            runOnThisThread { _ -> Bool in
                _ = client.write("payload")
                return await client.waitForBytesWritten(1000)
            } == true)
        #expect(runOnThisThread { _ -> Bool in await client.waitForBytesWritten(10) } == false)
        #expect(c.bytesToWrite == 0)
        QTimer.singleShot(20) { end.abort() }
        #expect(runOnThisThread { _ -> Bool in await client.waitForDisconnected(2000) } == true)
        #expect(c.state == .unconnected)
        let unconnected = runOnThisThread { _ -> Bool in await client.waitForDisconnected(10) }
        #expect(unconnected == false)
        c.abort(); server.close()
    }
}
