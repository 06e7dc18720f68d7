// Qt's broadcastsender example in QKit: "Broadcast message N" to a UDP port, once per interval.
import ArgumentParser
import QCore
import QNetwork
import SampleSupport

struct BroadcastSender: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broadcast-sender",
        abstract: "Sends \"Broadcast message N\" to a UDP port on the broadcast address, once per interval.")

    @Option(help: "Destination port.") var port: UInt16 = 45454
    @Option(help: "Destination address (use 127.0.0.1 to stay on loopback).") var address = "255.255.255.255"
    @Option(help: "Milliseconds between messages.") var intervalMs = 1000
    @Option(help: "Messages to send, then exit 0; 0 sends until interrupted.") var count = 0
    @Option(help: "Give up after this many milliseconds (exit 1).") var timeoutMs: Int?

    func validate() throws {
        _ = try parseAddress(address)
        try requireNonNegative(intervalMs, "--interval-ms")
        try requireNonNegative(count, "--count")
        try requirePositive(timeoutMs, "--timeout-ms")
    }
}

let flags = parseFlags(BroadcastSender.self)
let destination = try parseAddress(flags.address)
var sent = 0
let sample = SampleApp(timeoutMs: flags.timeoutMs) { say("timeout \(sent)/\(flags.count)") }
let socket = QUdpSocket()
sample.onCleanup { socket.close() }

let timer = QTimer()
timer.timeout.connect {
    let text = "Broadcast message \(sent + 1)"
    guard socket.writeDatagram(text, destination, flags.port) >= 0 else {
        sample.fail(socket.error.qtName, socket.errorString)
        return
    }
    sent += 1
    say("sent \(sent) \(text)")
    if flags.count > 0 && sent == flags.count { sample.finish(SampleExit.ok) }
}
timer.start(flags.intervalMs)
sample.run()
