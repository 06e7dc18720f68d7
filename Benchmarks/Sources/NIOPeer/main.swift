// The SwiftNIO side of `make bench-compare`: the same work as the QKit probe's rows, written
// against SwiftNIO's event loops. Usage: niopeer <row> <n>; prints "RESULT <value> <unit>",
// and exits 4 when the work it counted differs from the work asked for.
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

func result(_ value: Double, _ unit: String) {
    print("RESULT \(value) \(unit)")
    fflush(nil)
}

func fail(_ message: String) -> Never {
    print("count mismatch: \(message)")
    fflush(nil)
    exit(4)
}

/// Wall-clock seconds since `start` (monotonic).
func seconds(since start: NIODeadline) -> Double {
    Double((NIODeadline.now() - start).nanoseconds) / 1e9
}

/// An actor whose methods run on a NIO event loop (its `SerialExecutor` conformance).
actor LoopCounter {
    let loop: any EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }
    var total = 0
    init(_ loop: any EventLoop) { self.loop = loop }
    func add(_ v: Int) { total += v }
}

/// An actor on another event loop that calls a `LoopCounter`.
actor LoopCaller {
    let loop: any EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }
    init(_ loop: any EventLoop) { self.loop = loop }
    func call(_ counter: LoopCounter, times: Int) async {
        // Touching the caller's own state keeps the hop back (as in QKit's probe).
        for _ in 0..<times { await counter.add(1); returned += 1 }
    }
    var returned = 0
}

/// Awaited calls to an actor on an event loop, from a task on Swift's cooperative pool
/// (`fromLoop == false`) or from an actor on a second event loop.
func actorCallRate(_ count: Int, fromLoop: Bool) async -> Double {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    let loops = Array(group.makeIterator())
    let counter = LoopCounter(loops[0])
    let start = NIODeadline.now()
    let caller = LoopCaller(loops[1])
    if fromLoop {
        await caller.call(counter, times: count)
    } else {
        for _ in 0..<count { await counter.add(1) }
    }
    let elapsed = seconds(since: start)
    let total = await counter.total
    let returned = fromLoop ? await caller.returned : count
    guard returned == count else { fail("the caller saw \(returned) of \(count) calls return") }
    try! await group.shutdownGracefully()
    guard total == count else { fail("the actor counted \(total) of \(count) calls") }
    return Double(count) / elapsed
}

/// Closures run on one event loop: `execute` from the loop itself, in bursts of 1000 that the
/// loop then runs (`chained == false`), or each closure scheduling the next.
func sameLoopRate(_ count: Int, chained: Bool) -> Double {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let done = loop.makePromise(of: Int.self)
    final class Counter: @unchecked Sendable { var value = 0 }  // used on the loop only
    let ran = Counter()
    let start = NIODeadline.now()
    if chained {
        @Sendable func step() {
            ran.value += 1
            if ran.value < count { loop.execute(step) } else { done.succeed(ran.value) }
        }
        loop.execute(step)
    } else {
        @Sendable func burst(_ left: Int) {
            let now = min(left, 1000)
            for _ in 0..<now { loop.execute { ran.value += 1 } }
            loop.execute { if left > now { burst(left - now) } else { done.succeed(ran.value) } }
        }
        loop.execute { burst(count) }
    }
    let total = try! done.futureResult.wait()
    let elapsed = seconds(since: start)
    try! group.syncShutdownGracefully()
    guard total == count else { fail("the loop ran \(total) of \(count) closures") }
    return Double(count) / elapsed
}

// sched_setaffinity is a GNU extension Glibc's Swift module leaves out; bound by name (a
// benchmark peer only).
@_silgen_name("sched_setaffinity")
func peerSchedSetAffinity(_ pid: Int32, _ size: Int, _ mask: UnsafeRawPointer) -> Int32

/// Pins the calling thread to `cpu`.
func pinThread(_ cpu: Int) {
    var mask = [UInt8](repeating: 0, count: 128)
    mask[cpu / 8] |= UInt8(1 << (cpu % 8))
    _ = mask.withUnsafeBytes { peerSchedSetAffinity(0, 128, $0.baseAddress!) }
}

/// Closures sent with `execute` from the main thread to a loop thread, counted there.
/// `split`: the sending thread on CPU 0, the loop on CPU 1.
func crossThreadRate(_ count: Int, split: Bool) -> Double {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    if split {
        pinThread(0)
        try! loop.submit { pinThread(1) }.wait()
    }
    let done = loop.makePromise(of: Int.self)
    final class Counter: @unchecked Sendable { var value = 0 }  // used on the loop only
    let ran = Counter()
    let start = NIODeadline.now()
    for _ in 0..<count {
        loop.execute {
            ran.value += 1
            if ran.value == count { done.succeed(ran.value) }
        }
    }
    let total = try! done.futureResult.wait()
    let elapsed = seconds(since: start)
    try! group.syncShutdownGracefully()
    guard total == count else { fail("the loop ran \(total) of \(count) closures") }
    return Double(count) / elapsed
}

let args = CommandLine.arguments
let row = args.count > 1 ? args[1] : "actor-call"
let n = args.count > 2 ? Int(args[2])! : 100_000

switch row {
case "actor-call": result(await actorCallRate(n, fromLoop: false), "calls/s")
case "actor-call-loop": result(await actorCallRate(n, fromLoop: true), "calls/s")
// NIO runs its task queue only from its loop, so "queued" is the -exec form (bursts of 1000
// executed, then the loop runs them).
case "queued", "queued-exec": result(sameLoopRate(n, chained: false), "calls/s")
case "chained": result(sameLoopRate(n, chained: true), "calls/s")
case "crossthread": result(crossThreadRate(n, split: false), "calls/s")
case "crossthread-split": result(crossThreadRate(n, split: true), "calls/s")
case "timers": result(timersDelivered(n > 1 ? n : 10_000), "%delivered")
case "udp64": result(udpOneThread(n, size: 64), "datagrams/s")
case "udp1200": result(udpOneThread(n, size: 1200), "datagrams/s")
case "udp64-batch": result(udpOneThread(n, size: 64, batched: true), "datagrams/s")
case "udp1200-batch": result(udpOneThread(n, size: 1200, batched: true), "datagrams/s")
case "pingpong": result(unixPingPong(n), "roundtrips/s")
case "udp-recv": udpReceiveFor(port: n, ms: Int(args[3])!)
case "udp-send": udpSendFor(port: n, ms: Int(args[3])!, rate: args.count > 4 ? Int(args[4])! : 0)
case "bulk-server": bulkServer(path: args[3], bytes: Int64(n))
case "bulk-client": bulkClient(path: args[3], bytes: Int64(n))
default:
    print("niopeer: no row \(row)")
    exit(2)
}
