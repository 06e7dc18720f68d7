@_spi(QKitInternal) import QCore

/// Qt's `QHostAddress`: an IPv4 or IPv6 address (with an optional IPv6 scope id), or one of
/// the special addresses. A value type; unparsable text gives the null address.
public struct QHostAddress: Hashable, Sendable, CustomStringConvertible {
    /// Qt's `QHostAddress::SpecialAddress`.
    public enum SpecialAddress: Sendable {
        /// The null address (`QHostAddress()`).
        case null
        /// 255.255.255.255.
        case broadcast
        /// 127.0.0.1.
        case localHost
        /// ::1.
        case localHostIPv6
        /// Both 0.0.0.0 and :: (a dual-stack bind).
        case any
        /// :: only.
        case anyIPv6
        /// 0.0.0.0 only.
        case anyIPv4
    }

    /// Qt's `QAbstractSocket::NetworkLayerProtocol`.
    public enum NetworkLayerProtocol: Sendable {
        /// IPv4.
        case ipv4
        /// IPv6.
        case ipv6
        /// Either (the `.any` address).
        case any
        /// The null address.
        case unknown
    }

    enum Storage: Hashable, Sendable {
        case null
        case any
        case ipv4(UInt32)
        case ipv6(high: UInt64, low: UInt64)
    }

    var storage: Storage
    /// The scope id, stored as a plain value (see `ScopeId`).
    var scope = ScopeId.none

    /// The IPv6 scope (zone) id: an interface name or number; empty when none. A scope id
    /// longer than 15 bytes names no interface; up to 1,024 such are kept per process, and
    /// setting another one leaves the address without a scope id (with a warning).
    /// Qt: `scopeId()`, `setScopeId()`.
    public var scopeId: String {
        get { scope.text }
        set {
            if newValue.isEmpty {
                scope = .none
            } else if let stored = ScopeId(newValue) {
                scope = stored
            } else {
                scope = .none
                qkitWarning(
                    "QHostAddress::setScopeId: scope id not kept: over 15 bytes, and \(ScopeId.tableLimit) such are in use")
            }
        }
    }

    /// The null address. Qt: `QHostAddress()`.
    public init() { storage = .null }

    /// Parses "a.b.c.d" or an IPv6 address (optionally "%scope"); null when unparsable.
    /// Qt: `QHostAddress(const QString &)`.
    public init(_ string: String) {
        storage = .null
        _ = setAddress(string)
    }

    /// An IPv4 address from its host-order value. Qt: `QHostAddress(quint32)`.
    public init(ipv4: UInt32) { storage = .ipv4(ipv4) }

    /// An IPv6 address from 16 bytes (network order); null if not 16 bytes. Qt: `QHostAddress(const quint8 *)`.
    public init(ipv6 bytes: [UInt8]) {
        guard bytes.count == 16 else {
            storage = .null
            return
        }
        storage = QHostAddress.ipv6Storage(bytes)
    }

    /// A special address. Qt: `QHostAddress(SpecialAddress)`.
    public init(_ special: SpecialAddress) {
        switch special {
        case .null: storage = .null
        case .broadcast: storage = .ipv4(0xFFFF_FFFF)
        case .localHost: storage = .ipv4(0x7F00_0001)
        case .localHostIPv6: storage = .ipv6(high: 0, low: 1)
        case .any: storage = .any
        case .anyIPv6: storage = .ipv6(high: 0, low: 0)
        case .anyIPv4: storage = .ipv4(0)
        }
    }

    /// The null address.
    public static let null = QHostAddress(SpecialAddress.null)
    /// 255.255.255.255.
    public static let broadcast = QHostAddress(SpecialAddress.broadcast)
    /// 127.0.0.1.
    public static let localHost = QHostAddress(SpecialAddress.localHost)
    /// ::1.
    public static let localHostIPv6 = QHostAddress(SpecialAddress.localHostIPv6)
    /// Any address, IPv4 and IPv6 (dual stack).
    public static let any = QHostAddress(SpecialAddress.any)
    /// Any IPv6 address (::).
    public static let anyIPv6 = QHostAddress(SpecialAddress.anyIPv6)
    /// Any IPv4 address (0.0.0.0).
    public static let anyIPv4 = QHostAddress(SpecialAddress.anyIPv4)

    /// Replaces the address by parsing `string`; false (and null) when unparsable.
    /// Qt: `setAddress(const QString &)`.
    @discardableResult
    public mutating func setAddress(_ string: String) -> Bool {
        storage = .null
        scope = .none
        let text = string.trimmingWhitespace()
        if let v4 = Posix.parseIPv4(text) {
            storage = .ipv4(v4)
            return true
        }
        var addressPart = Substring(text)
        var parsedScope = ScopeId.none
        if let percent = text.firstIndex(of: "%") {
            addressPart = text[..<percent]
            let scopeText = String(text[text.index(after: percent)...])
            // An empty scope id, or a long one that can no longer be kept: unparsable.
            guard !scopeText.isEmpty, let stored = ScopeId(scopeText) else { return false }
            parsedScope = stored
        }
        guard let v6 = Posix.parseIPv6(String(addressPart)) else { return false }
        storage = QHostAddress.ipv6Storage(v6)
        scope = parsedScope
        return true
    }

    static func ipv6Storage(_ bytes: [UInt8]) -> Storage {
        var high: UInt64 = 0, low: UInt64 = 0
        for i in 0..<8 { high = high << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { low = low << 8 | UInt64(bytes[i]) }
        return .ipv6(high: high, low: low)
    }

    /// The text form: "a.b.c.d", compressed IPv6 (with "%scope"), "::" for `.any`, "" for null.
    /// Qt: `toString()`.
    public func toString() -> String {
        switch storage {
        case .null: return ""
        case .any: return "::"
        case .ipv4(let v):
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).\(v & 0xFF)"
        case .ipv6:
            let text = Posix.formatIPv6(toIPv6Address())
            return scopeId.isEmpty ? text : text + "%" + scopeId
        }
    }

    public var description: String { toString() }

    /// Which protocol the address belongs to. Qt: `protocol()`.
    public var `protocol`: NetworkLayerProtocol {
        switch storage {
        case .null: return .unknown
        case .any: return .any
        case .ipv4: return .ipv4
        case .ipv6: return .ipv6
        }
    }

    /// True for the null address. Qt: `isNull()`.
    public var isNull: Bool { storage == .null }

    /// The IPv4 value (host order), also for IPv4-mapped IPv6 addresses; nil otherwise.
    /// Qt: `toIPv4Address(bool *ok)`.
    public func toIPv4Address() -> UInt32? {
        switch storage {
        case .ipv4(let v): return v
        case .ipv6(let high, let low) where high == 0 && low >> 32 == 0xFFFF: return UInt32(truncatingIfNeeded: low)
        default: return nil
        }
    }

    /// The 16 IPv6 bytes (IPv4 addresses are given IPv4-mapped; null and `.any` give ::).
    /// Qt: `toIPv6Address()`.
    public func toIPv6Address() -> [UInt8] {
        let (high, low): (UInt64, UInt64)
        switch storage {
        case .ipv6(let h, let l): (high, low) = (h, l)
        case .ipv4(let v): (high, low) = (0, 0xFFFF_0000_0000 | UInt64(v))
        default: (high, low) = (0, 0)
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i)))
        }
        return bytes
    }

    /// 127.0.0.0/8 or ::1 (and IPv4-mapped loopback). Qt: `isLoopback()`.
    public var isLoopback: Bool {
        if let v4 = toIPv4Address() { return v4 >> 24 == 127 }
        if case .ipv6(let h, let l) = storage { return h == 0 && l == 1 }
        return false
    }

    /// 224.0.0.0/4 or ff00::/8. Qt: `isMulticast()`.
    public var isMulticast: Bool {
        if let v4 = toIPv4Address() { return v4 >> 28 == 0xE }
        if case .ipv6(let h, _) = storage { return h >> 56 == 0xFF }
        return false
    }

    /// 255.255.255.255 (only; subnet broadcasts depend on the interface). Qt: `isBroadcast()`.
    public var isBroadcast: Bool { toIPv4Address() == 0xFFFF_FFFF && storage != .any }

    /// 169.254.0.0/16 or fe80::/10. Qt: `isLinkLocal()`.
    public var isLinkLocal: Bool {
        if let v4 = toIPv4Address() { return v4 >> 16 == 0xA9FE }
        if case .ipv6(let h, _) = storage { return h >> 54 == 0x3FA }
        return false
    }

    /// True when the first `prefixLength` bits equal those of `subnet`. Qt: `isInSubnet()`.
    public func isInSubnet(_ subnet: QHostAddress, _ prefixLength: Int) -> Bool {
        if let a = toIPv4Address(), let b = subnet.toIPv4Address(), storage.isIPv4Like == subnet.storage.isIPv4Like {
            guard prefixLength > 0 else { return true }
            let mask: UInt32 = prefixLength >= 32 ? .max : ~(UInt32.max >> UInt32(prefixLength))
            return a & mask == b & mask
        }
        guard case .ipv6 = storage, case .ipv6 = subnet.storage else { return false }
        let a = toIPv6Address(), b = subnet.toIPv6Address()
        var bits = max(0, min(prefixLength, 128))
        var i = 0
        while bits > 0 {
            let take = min(8, bits)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - take))
            if a[i] & mask != b[i] & mask { return false }
            bits -= take
            i += 1
        }
        return true
    }

    /// Equal addresses: IPv4 and its IPv4-mapped IPv6 form compare equal (Qt's tolerant comparison).
    public static func == (a: QHostAddress, b: QHostAddress) -> Bool {
        if a.storage == b.storage { return a.scope == b.scope }
        if let x = a.toIPv4Address(), let y = b.toIPv4Address(), a.storage != .any, b.storage != .any { return x == y }
        return false
    }

    public func hash(into hasher: inout Hasher) {
        if let v4 = toIPv4Address(), storage != .any {
            hasher.combine(0 as UInt8)
            hasher.combine(v4)
        } else {
            hasher.combine(storage)
            hasher.combine(scope)
        }
    }
}

extension QHostAddress.Storage {
    var isIPv4Like: Bool {
        if case .ipv4 = self { return true }
        return false
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
