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
let sample = SampleApp(timeoutMs: flags.timeoutMs)
let socket = QUdpSocket()
sample.onCleanup { socket.close() }
let sender = MessageSender(
    socket, to: destination, port: flags.port, label: "Broadcast",
    intervalMs: flags.intervalMs, count: flags.count, sample: sample)
sample.onTimeout = { say("timeout \(sender.sent)/\(flags.count)") }
sample.run()
