import ArgumentParser
import QNetwork

/// Parses an address flag ("127.0.0.1", "ff12::2115"), rejecting what QHostAddress cannot read.
public func parseAddress(_ text: String) throws -> QHostAddress {
    let address = QHostAddress(text)
    guard !address.isNull else { throw ValidationError("'\(text)' is not an IPv4 or IPv6 address") }
    return address
}

/// Finds a network interface by name ("lo", "eth0").
public func parseInterface(_ name: String) throws -> QNetworkInterface {
    let iface = QNetworkInterface.interfaceFromName(name)
    guard iface.isValid else { throw ValidationError("no network interface named '\(name)'") }
    return iface
}

/// Checks that a count or time flag is not negative.
public func requireNonNegative(_ value: Int, _ flag: String) throws {
    guard value >= 0 else { throw ValidationError("\(flag) must be 0 or more, not \(value)") }
}

/// Checks that a time-out, when given, is positive.
public func requirePositive(_ value: Int?, _ flag: String) throws {
    if let value, value <= 0 { throw ValidationError("\(flag) must be more than 0, not \(value)") }
}
