// SwiftNIO's side of the timer, UDP and Unix-domain rows: the same work as the QKit probe's
// rows (Sources/Probe/Sockets.swift), each verifying its counts.
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// State touched only on one event loop (handlers and tasks of that loop).
final class LoopState: @unchecked Sendable {
    var received = 0
    var sent = 0
    var bytes: Int64 = 0
    var started: NIODeadline?
}

/// 10,000 repeated tasks of 1-10 ms for one second: delivered / expected runs.
func timersDelivered(_ timerCount: Int = 10_000) -> Double {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let state = LoopState()
    let done = loop.makePromise(of: Void.self)
    var expected = 0.0
    try! loop.submit {
        for i in 0..<timerCount {
            let interval = TimeAmount.milliseconds(Int64(1 + i % 10))
            loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in state.received += 1 }
        }
        loop.scheduleTask(in: .seconds(1)) { done.succeed() }
    }.wait()
    for i in 0..<timerCount { expected += 1000.0 / Double(1 + i % 10) }
    try! done.futureResult.wait()
    let fired = try! loop.submit { state.received }.wait()
    try! group.syncShutdownGracefully()
    return 100.0 * Double(fired) / expected
}

/// Counts datagrams; on each read burst's end, asks the pump for more.
final class DatagramCounter: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let state: LoopState
    let onBurst: () -> Void
    init(state: LoopState, onBurst: @escaping () -> Void) { self.state = state; self.onBurst = onBurst }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { state.received += 1 }
    func channelReadComplete(context: ChannelHandlerContext) { onBurst() }
}

/// Binds a UDP channel on 127.0.0.1:`port` with vector reads of 64 datagrams.
func udpChannel(_ group: EventLoopGroup, port: Int, receiveBuffer: Int32? = nil,
                handler: (any ChannelHandler & Sendable)? = nil) -> Channel {
    var bootstrap = DatagramBootstrap(group: group)
        .channelOption(.datagramVectorReadMessageCount, value: 64)
    if let receiveBuffer { bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBuffer)) }
    if let handler { bootstrap = bootstrap.channelInitializer { $0.pipeline.addHandler(handler) } }
    return try! bootstrap.bind(host: "127.0.0.1", port: port).wait()
}

/// UDP on loopback, one loop thread: bursts keep at most ~256 datagrams in flight (one
/// writeAndFlush per datagram, as every side sends one at a time; `batched`: the burst's
/// writes then one flush, which NIO sends with sendmmsg); the receiver reads with vector
/// reads. Returns datagrams/s received.
func udpOneThread(_ count: Int, size: Int, batched: Bool = false) -> Double {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let state = LoopState()
    let done = loop.makePromise(of: Void.self)
    final class Pump: @unchecked Sendable { var run: () -> Void = {} }  // set before the first read
    let pump = Pump()
    let receiver = udpChannel(group, port: 0, receiveBuffer: 4 << 20,
                              handler: DatagramCounter(state: state) { pump.run() })
    let sender = udpChannel(group, port: 0)
    let target = receiver.localAddress!
    let payload = ByteBuffer(repeating: 7, count: size)
    pump.run = {
        if state.received >= count { done.succeed(); return }
        let burst = min(256, count - state.sent) - max(0, state.sent - state.received - 256)
        guard burst > 0 else { return }
        for _ in 0..<burst {
            if batched {
                sender.write(AddressedEnvelope(remoteAddress: target, data: payload), promise: nil)
            } else {
                sender.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: payload), promise: nil)
            }
        }
        if batched { sender.flush() }
        state.sent += burst
    }
    let start = NIODeadline.now()
    loop.execute { pump.run() }
    try! done.futureResult.wait()
    let elapsed = seconds(since: start)
    let (received, sent) = try! loop.submit { (state.received, state.sent) }.wait()
    try! receiver.close().wait()
    try! sender.close().wait()
    try! group.syncShutdownGracefully()
    guard received == count, sent == count else { fail("received \(received) and sent \(sent) of \(count) datagrams") }
    return Double(received) / elapsed
}

/// Echoes every byte back (the server end of the ping-pong).
final class Echo: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.writeAndFlush(data, promise: nil) }
}

/// The client end: counts 64-byte replies and sends the next message until `count`.
final class PingClient: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let count: Int
    let done: EventLoopPromise<Int>
    var pending = 0
    var rounds = 0
    init(count: Int, done: EventLoopPromise<Int>) { self.count = count; self.done = done }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending += unwrapInboundIn(data).readableBytes
        while pending >= 64 {
            pending -= 64
            rounds += 1
            if rounds >= count { done.succeed(rounds); return }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(repeating: 1, count: 64)), promise: nil)
        }
    }
}

/// Unix-domain 64-byte ping-pong, both ends on one loop thread: round trips/s.
func unixPingPong(_ count: Int) -> Double {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let path = "/tmp/qkit-bench-nio-\(getpid())"
    let server = try! ServerBootstrap(group: group)
        .childChannelInitializer { $0.pipeline.addHandler(Echo()) }
        .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).wait()
    let done = group.next().makePromise(of: Int.self)
    let client = try! ClientBootstrap(group: group)
        .channelInitializer { $0.pipeline.addHandler(PingClient(count: count, done: done)) }
        .connect(unixDomainSocketPath: path).wait()
    let start = NIODeadline.now()
    client.writeAndFlush(ByteBuffer(repeating: 1, count: 64), promise: nil)
    let rounds = try! done.futureResult.wait()
    let elapsed = seconds(since: start)
    try! client.close().wait()
    try! server.close().wait()
    try! group.syncShutdownGracefully()
    unlink(path)
    guard rounds == count else { fail("\(rounds) of \(count) round trips") }
    return Double(rounds) / elapsed
}

/// Counts bytes from the first one; completes when `total` arrived or the peer closed.
final class ByteCounter: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let total: Int64
    let done: EventLoopPromise<(Int64, Double)>
    var got: Int64 = 0
    var start: NIODeadline?
    init(total: Int64, done: EventLoopPromise<(Int64, Double)>) { self.total = total; self.done = done }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if start == nil { start = .now() }
        got += Int64(unwrapInboundIn(data).readableBytes)
        if got >= total { done.succeed((got, seconds(since: start!))) }
    }
    func channelInactive(context: ChannelHandlerContext) { done.succeed((got, start.map { seconds(since: $0) } ?? 1)) }
}

/// Two processes, reading side: accepts one client at `path` and reads `bytes`; GB/s.
func bulkServer(path: String, bytes: Int64) -> Never {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let done = group.next().makePromise(of: (Int64, Double).self)
    let server = try! ServerBootstrap(group: group)
        .childChannelInitializer { $0.pipeline.addHandler(ByteCounter(total: bytes, done: done)) }
        .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).wait()
    print("READY")
    fflush(nil)
    let (got, elapsed) = try! done.futureResult.wait()
    result(Double(got) / elapsed / 1e9, "GB/s")
    try! server.close().wait()
    try! group.syncShutdownGracefully()
    unlink(path)
    if got != bytes { fail("\(got) of \(bytes) bytes") }
    exit(0)
}

/// Writes 256 KiB chunks while the channel is writable (NIO's high-water mark keeps about
/// as much queued as the other sides' 1 MiB), until `total` is written.
final class BulkWriter: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let total: Int64
    let done: EventLoopPromise<Int64>
    let chunk = ByteBuffer(repeating: 0x62, count: 256 * 1024)
    var queued: Int64 = 0
    init(total: Int64, done: EventLoopPromise<Int64>) { self.total = total; self.done = done }
    func refill(_ context: ChannelHandlerContext) {
        while queued < total && context.channel.isWritable {
            let size = Int(min(Int64(chunk.readableBytes), total - queued))
            queued += Int64(size)
            let last = queued >= total
            context.writeAndFlush(wrapOutboundOut(chunk.getSlice(at: 0, length: size)!)).whenSuccess {
                if last { self.done.succeed(self.queued) }
            }
        }
    }
    func channelActive(context: ChannelHandlerContext) { refill(context) }
    func channelWritabilityChanged(context: ChannelHandlerContext) { refill(context) }
}

/// Two processes, writing side.
func bulkClient(path: String, bytes: Int64) -> Never {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let done = group.next().makePromise(of: Int64.self)
    let channel = try! ClientBootstrap(group: group)
        .channelOption(.writeBufferWaterMark, value: .init(low: 512 * 1024, high: 1024 * 1024))
        .channelInitializer { $0.pipeline.addHandler(BulkWriter(total: bytes, done: done)) }
        .connect(unixDomainSocketPath: path).wait()
    let written = try! done.futureResult.wait()
    // The reader may have closed first, having read everything: closing twice is no error here.
    try? channel.close().wait()
    try! group.syncShutdownGracefully()
    result(Double(written), "bytes")
    exit(0)
}

/// Two processes, receiving side: counts datagrams on `port` for `ms` milliseconds.
func udpReceiveFor(port: Int, ms: Int) -> Never {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let state = LoopState()
    let channel = udpChannel(group, port: port, handler: DatagramCounter(state: state) {})
    print("READY")
    fflush(nil)
    let received = try! group.next().scheduleTask(in: .milliseconds(Int64(ms))) { state.received }.futureResult.wait()
    try! channel.close().wait()
    try! group.syncShutdownGracefully()
    result(Double(received), "datagrams")
    exit(0)
}

/// Two processes, sending side: 64 B datagrams to `port` for `ms` milliseconds at `rate`/s (0:
/// as fast as it can), in bursts of 256 (one writeAndFlush each) between loop passes.
func udpSendFor(port: Int, ms: Int, rate: Int) -> Never {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let channel = udpChannel(group, port: 0)
    let target = try! SocketAddress(ipAddress: "127.0.0.1", port: port)
    let payload = ByteBuffer(repeating: 7, count: 64)
    let state = LoopState()
    let done = loop.makePromise(of: Int.self)
    let start = NIODeadline.now()
    let end = start + .milliseconds(Int64(ms))
    // Counted when written; a write that fails takes its count back.
    @Sendable func burst() {
        let now = NIODeadline.now()
        if now >= end { done.succeed(0); return }
        if rate == 0 || Double(state.sent) < Double(rate) * seconds(since: start) {
            for _ in 0..<256 {
                state.sent += 1
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: payload)).whenFailure { _ in state.sent -= 1 }
            }
        }
        loop.execute(burst)
    }
    loop.execute(burst)
    _ = try! done.futureResult.wait()
    try! channel.close().wait()
    let sent = try! loop.submit { state.sent }.wait()
    try! group.syncShutdownGracefully()
    result(Double(sent), "datagrams")
    exit(0)
}
