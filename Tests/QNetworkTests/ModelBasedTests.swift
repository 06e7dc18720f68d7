import QCore
import QKitTestSupport
import QNetwork
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64: a small seeded generator, so a failing run replays from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Seeds run by `make test`; `QKIT_SEEDS=N` runs more, `QKIT_SEED=S` replays one.
private let seeds: [UInt64] = {
    if let one = getenv("QKIT_SEED").flatMap({ UInt64(String(cString: $0)) }) { return [one] }
    let count = getenv("QKIT_SEEDS").flatMap { Int(String(cString: $0)) } ?? 20
    return (1...UInt64(count)).map { $0 &* 7919 }
}()

/// What the spec says the world looks like: the client's state, the bytes each side has
/// sent, the signals each side has emitted, timers started and objects deleted.
private struct Model {
    var connected = false
    var connects = 0
    var disconnects = 0
    var sentByClient: [UInt8] = []
    var sentByPeer: [UInt8] = []
    var clientMayHaveDropped = false
    var timersStarted = 0
    var objectsDeleted = 0
}

/// The random steps.
private enum Step: String, CaseIterable {
    case connect, clientWrite, peerWrite, read, disconnectFromServer, abort, close, timer, deleteObject, deleteLaterObject
}

@Suite("Model-based random sequences", .descriptorChecked)
struct ModelBasedTests {
    @Test("random local-socket, timer and object sequences follow the model", arguments: seeds)
    func randomSequence(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        var model = Model()
        let server = QLocalServer()
        defer { server.close(); server.delete() }
        #expect(server.listen(uniqueName("model")), "seed \(seed)")
        let client = QLocalSocket()
        defer { client.abort(); client.delete() }
        var connectedSignals = 0, disconnectedSignals = 0, timerFirings = 0, destroyedSignals = 0
        var readByClient: [UInt8] = []
        var readByPeers: [UInt8] = []
        var peer: QLocalSocket?
        var objects: [QObject] = []
        client.connected.connect { connectedSignals += 1 }
        client.disconnected.connect { disconnectedSignals += 1 }
        server.newConnection.connect(receiver: server) { s in
            while let p = s.nextPendingConnection() {
                p.readyRead.connect(receiver: p) { p in readByPeers += p.readAll() }
                peer = p
            }
        }
        client.readyRead.connect(receiver: client) { c in readByClient += c.readAll() }
        var trace: [Step] = []

        for _ in 0..<60 {
            let step = Step.allCases.randomElement(using: &rng)!
            trace.append(step)
            switch step {
            case .connect:
                guard !model.connected else { continue }
                client.connectToServer(server.serverName)
                model.connected = true
                model.connects += 1
                // Bytes of an aborted connection are gone; start the stream accounting afresh.
                readByPeers = []
                model.sentByClient = []
                model.sentByPeer = []
                readByClient = []
                model.clientMayHaveDropped = false
                spinLoop { peer != nil && peer!.state == .connected }
            case .clientWrite:
                let bytes = (0..<Int.random(in: 1...3000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let written = client.write(bytes)
                if model.connected {
                    #expect(written == Int64(bytes.count), "seed \(seed), steps \(trace.map(\.rawValue))")
                    model.sentByClient += bytes
                } else {
                    #expect(written == -1, "writing while unconnected fails; seed \(seed), steps \(trace.map(\.rawValue))")
                }
            case .peerWrite:
                guard model.connected, let p = peer else { continue }
                let bytes = (0..<Int.random(in: 1...3000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                #expect(p.write(bytes) == Int64(bytes.count))
                model.sentByPeer += bytes
            case .read:
                pump(8)
            case .disconnectFromServer, .close:
                guard model.connected else { continue }
                if step == .close { client.close() } else { client.disconnectFromServer() }
                model.connected = false
                model.disconnects += 1
                // Graceful: everything written so far reaches the peer.
                let arrived = spinLoop { readByPeers.count == model.sentByClient.count }
                #expect(
                    arrived,
                    "seed \(seed): peer has \(readByPeers.count) of \(model.sentByClient.count) bytes, client state \(client.state), bytesToWrite \(client.bytesToWrite); steps \(trace.map(\.rawValue))"
                )
                let intact = readByPeers == model.sentByClient
                #expect(intact, "seed \(seed), steps \(trace.map(\.rawValue))")
                peer?.abort(); peer?.delete(); peer = nil
            case .abort:
                guard model.connected else { continue }
                client.abort()
                model.connected = false
                model.disconnects += 1
                model.clientMayHaveDropped = true
                peer?.abort(); peer?.delete(); peer = nil
            case .timer:
                model.timersStarted += 1
                QTimer.singleShot(Int.random(in: 0...5, using: &rng)) { timerFirings += 1 }
            case .deleteObject:
                let o = QObject()
                o.destroyed.connect { _ in destroyedSignals += 1 }
                o.delete()
                model.objectsDeleted += 1
            case .deleteLaterObject:
                let o = QObject()
                o.destroyed.connect { _ in destroyedSignals += 1 }
                objects.append(o)
                o.deleteLater()
                model.objectsDeleted += 1
            }
            // After every step: state and signals as the model says.
            #expect(client.state == (model.connected ? .connected : .unconnected), "seed \(seed), steps \(trace.map(\.rawValue))")
            #expect(connectedSignals == model.connects, "seed \(seed), steps \(trace.map(\.rawValue))")
            #expect(disconnectedSignals == model.disconnects, "seed \(seed), steps \(trace.map(\.rawValue))")
            // Streams are prefixes of what was sent: in order, nothing invented.
            let inOrder = model.sentByClient.starts(with: readByPeers) && model.sentByPeer.starts(with: readByClient)
            #expect(inOrder, "seed \(seed), steps \(trace.map(\.rawValue))")
        }
        // At the end: the loop delivers every timer. deleteLater() called outside any loop waits
        // for a loop to start, as in Qt; sending the DeferredDelete events runs it now.
        #expect(spinLoop { timerFirings == model.timersStarted }, "seed \(seed): timers \(timerFirings)/\(model.timersStarted)")
        QCoreApplication.sendPostedEvents(nil, .deferredDelete)
        #expect(destroyedSignals == model.objectsDeleted, "seed \(seed): destroyed \(destroyedSignals)/\(model.objectsDeleted)")
        if model.connected {
            #expect(spinLoop { readByClient.count == model.sentByPeer.count }, "seed \(seed)")
            let intact = readByClient == model.sentByPeer
            #expect(intact, "seed \(seed)")
        }
        peer?.abort(); peer?.delete()
        objects.removeAll()
    }
}
