// Qt's multicastsender example in QKit: "Multicast message N" to a group, once per interval.
import ArgumentParser
import QCore
import QNetwork
import SampleSupport

struct MulticastSender: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multicast-sender",
        abstract: "Sends \"Multicast message N\" to a multicast group (239.255.43.21 or ff12::2115), once per interval.")

    @Option(help: "Multicast group address.") var group = "239.255.43.21"
    @Option(help: "Destination port.") var port: UInt16 = 45454
    @Option(help: "Multicast time to live (hops).") var ttl = 1
    @Option(help: "Send through this interface (e.g. lo); default: the kernel's choice.") var interface: String?
    @Option(help: "Milliseconds between messages.") var intervalMs = 1000
    @Option(help: "Messages to send, then exit 0; 0 sends until interrupted.") var count = 0
    @Option(help: "Give up after this many milliseconds (exit 1).") var timeoutMs: Int?

    func validate() throws {
        let address = try parseAddress(group)
        guard address.isMulticast else { throw ValidationError("\(group) is not a multicast address") }
        if let interface { _ = try parseInterface(interface) }
        guard (0...255).contains(ttl) else { throw ValidationError("--ttl must be 0...255, not \(ttl)") }
        try requireNonNegative(intervalMs, "--interval-ms")
        try requireNonNegative(count, "--count")
        try requirePositive(timeoutMs, "--timeout-ms")
    }
}

let flags = parseFlags(MulticastSender.self)
let group = try parseAddress(flags.group)
let sample = SampleApp(timeoutMs: flags.timeoutMs)
let socket = QUdpSocket()
sample.onCleanup { socket.close() }

let isIPv6 = group.protocol == .ipv6
if !socket.bind(isIPv6 ? .anyIPv6 : .anyIPv4, 0) {
    sample.fail(socket.error.qtName, socket.errorString, detail: socket.errorDetail)
}
socket.setSocketOption(.multicastTtl, flags.ttl)
if let name = flags.interface { socket.multicastInterface = try parseInterface(name) }

let sender = MessageSender(
    socket, to: group, port: flags.port, label: "Multicast",
    intervalMs: flags.intervalMs, count: flags.count, sample: sample)
sample.onTimeout = { say("timeout \(sender.sent)/\(flags.count)") }
sample.run()
