/// Qt's `QNetworkAddressEntry`: one IP address of an interface with its netmask and broadcast.
public struct QNetworkAddressEntry: Sendable, Equatable {
    /// The address. Qt: `ip()`.
    public var ip: QHostAddress
    /// The netmask. Qt: `netmask()`.
    public var netmask: QHostAddress
    /// The broadcast address (IPv4 with broadcast only), else null. Qt: `broadcast()`.
    public var broadcast: QHostAddress
    /// The netmask's prefix length, −1 when unknown. Qt: `prefixLength()`.
    public var prefixLength: Int
}

/// Qt's `QNetworkInterface`: a network interface of this host (from `getifaddrs`).
public struct QNetworkInterface: Sendable, Equatable, CustomStringConvertible {
    /// Qt's `QNetworkInterface::InterfaceFlags` (same bit values).
    public struct InterfaceFlags: OptionSet, Sendable {
        public let rawValue: Int
        /// Creates flags from Qt's raw bits.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The interface is administratively up.
        public static let isUp = InterfaceFlags(rawValue: 0x1)
        /// The interface is running (has a carrier).
        public static let isRunning = InterfaceFlags(rawValue: 0x2)
        /// It supports broadcast.
        public static let canBroadcast = InterfaceFlags(rawValue: 0x4)
        /// It is a loopback interface.
        public static let isLoopBack = InterfaceFlags(rawValue: 0x8)
        /// It is a point-to-point link.
        public static let isPointToPoint = InterfaceFlags(rawValue: 0x10)
        /// It supports multicast.
        public static let canMulticast = InterfaceFlags(rawValue: 0x20)
    }

    /// The OS name ("lo", "eth0"). Qt: `name()`.
    public let name: String
    /// The OS index, 0 when invalid. Qt: `index()`.
    public let index: Int
    /// Qt: `flags()`.
    public let flags: InterfaceFlags
    /// Its addresses. Qt: `addressEntries()`.
    public let addressEntries: [QNetworkAddressEntry]
    /// The MAC address as "AA:BB:CC:DD:EE:FF" (empty when none). Qt: `hardwareAddress()`.
    public let hardwareAddress: String

    /// An invalid interface. Qt: `QNetworkInterface()`.
    public init() {
        name = ""
        index = 0
        flags = []
        addressEntries = []
        hardwareAddress = ""
    }

    init(name: String, index: Int, flags: InterfaceFlags, addressEntries: [QNetworkAddressEntry], hardwareAddress: String) {
        self.name = name
        self.index = index
        self.flags = flags
        self.addressEntries = addressEntries
        self.hardwareAddress = hardwareAddress
    }

    /// True for a real interface. Qt: `isValid()`.
    public var isValid: Bool { !name.isEmpty }

    /// A name a person reads (same as `name` on Linux). Qt: `humanReadableName()`.
    public var humanReadableName: String { name }

    public var description: String { isValid ? "QNetworkInterface(\(name), index \(index))" : "QNetworkInterface(invalid)" }

    /// Every interface of the host. Qt: `allInterfaces()`.
    public static func allInterfaces() -> [QNetworkInterface] {
        var order: [String] = []
        var flagsByName: [String: UInt32] = [:]
        var entries: [String: [QNetworkAddressEntry]] = [:]
        var hardware: [String: String] = [:]
        for record in Posix.interfaceAddresses() {
            if flagsByName[record.name] == nil {
                order.append(record.name)
                flagsByName[record.name] = record.flags
            }
            if let mac = record.hardware, !mac.isEmpty {
                hardware[record.name] = mac.map { byte in
                    let hex = String(byte, radix: 16, uppercase: true)
                    return hex.count == 1 ? "0" + hex : hex
                }.joined(separator: ":")
            }
            guard let address = record.address else { continue }
            let netmask = record.netmask?.host ?? .null
            entries[record.name, default: []].append(
                QNetworkAddressEntry(
                    ip: address.host, netmask: netmask,
                    broadcast: record.broadcast?.host ?? .null,
                    prefixLength: netmask.isNull ? -1 : prefixLength(of: netmask)))
        }
        return order.map { name in
            QNetworkInterface(
                name: name, index: Int(Posix.interfaceIndex(name)),
                flags: InterfaceFlags(os: flagsByName[name] ?? 0),
                addressEntries: entries[name] ?? [], hardwareAddress: hardware[name] ?? "")
        }
    }

    /// Every address of every interface. Qt: `allAddresses()`.
    public static func allAddresses() -> [QHostAddress] {
        allInterfaces().flatMap { iface in iface.flags.contains(.isUp) ? iface.addressEntries.map(\.ip) : [] }
    }

    /// The interface named `name`, or an invalid one. Qt: `interfaceFromName()`.
    public static func interfaceFromName(_ name: String) -> QNetworkInterface {
        allInterfaces().first { $0.name == name } ?? QNetworkInterface()
    }

    /// The interface with this index, or an invalid one. Qt: `interfaceFromIndex()`.
    public static func interfaceFromIndex(_ index: Int) -> QNetworkInterface {
        allInterfaces().first { $0.index == index } ?? QNetworkInterface()
    }

    /// The index of the interface named `name`, 0 if none. Qt: `interfaceIndexFromName()`.
    public static func interfaceIndexFromName(_ name: String) -> Int { Int(Posix.interfaceIndex(name)) }

    /// The name of the interface with this index, "" if none. Qt: `interfaceNameFromIndex()`.
    public static func interfaceNameFromIndex(_ index: Int) -> String {
        guard index > 0 else { return "" }
        return Posix.interfaceName(UInt32(index)) ?? ""
    }

    private static func prefixLength(of netmask: QHostAddress) -> Int {
        netmask.toIPv6Address().reduce(0) { $0 + $1.nonzeroBitCount } - (netmask.protocol == .ipv4 ? 16 : 0)
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension QNetworkInterface.InterfaceFlags {
    init(os flags: UInt32) {
        var f: QNetworkInterface.InterfaceFlags = []
        if flags & UInt32(IFF_UP) != 0 { f.insert(.isUp) }
        if flags & UInt32(IFF_RUNNING) != 0 { f.insert(.isRunning) }
        if flags & UInt32(IFF_BROADCAST) != 0 { f.insert(.canBroadcast) }
        if flags & UInt32(IFF_LOOPBACK) != 0 { f.insert(.isLoopBack) }
        if flags & UInt32(IFF_POINTOPOINT) != 0 { f.insert(.isPointToPoint) }
        if flags & UInt32(IFF_MULTICAST) != 0 { f.insert(.canMulticast) }
        self = f
    }
}
