import QCore
import Testing

@testable import QNetwork

#if canImport(Glibc)
import Glibc
#endif

/// Inputs the fuzz targets (Fuzz/, `make fuzz`) found that crashed a parser, kept so the
/// fixes stay fixed.
@Suite("Inputs found by fuzzing")
struct FuzzRegressionTests {
    /// Parses `bytes` as a datagram's control messages, with `length` as the kernel's count.
    func parse(_ bytes: [UInt8], length: Int? = nil) -> ReceivedDatagram {
        var datagram = ReceivedDatagram(copied: 0, size: 0, sender: nil, destination: nil, interfaceIndex: 0, hopLimit: -1)
        bytes.withUnsafeBytes { Posix.parseControl($0, length: length ?? bytes.count, into: &datagram) }
        return datagram
    }

    /// A control message: cmsghdr (length, level, type), then the data padded to 8 bytes.
    func message(length: UInt64? = nil, level: Int32, type: Int32, data: [UInt8]) -> [UInt8] {
        var out = withUnsafeBytes(of: length ?? UInt64(16 + data.count)) { Array($0) }
        out += withUnsafeBytes(of: level) { Array($0) } + withUnsafeBytes(of: type) { Array($0) } + data
        return out + [UInt8](repeating: 0, count: (8 - data.count % 8) % 8)
    }

    @Test("a control message whose length is larger than the buffer ends the parse (it made a negative read offset)")
    func controlLengthPastTheEnd() {
        // fuzz-control-messages crash-2f0a87b5: cmsg_len 0xffff…ff.
        let crash: [UInt8] =
            [0x14, 0x00, 0x28] + [UInt8](repeating: 0xff, count: 26) + [
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ]
        let datagram = parse(crash)
        #expect(datagram.hopLimit == -1 && datagram.destination == nil && datagram.interfaceIndex == 0)
        let long = message(length: 64, level: Int32(IPPROTO_IP), type: IP_TTL, data: [64, 0, 0, 0])
        #expect(parse(long).hopLimit == -1)
    }

    @Test("a control message too short for its type is skipped, and the next one is still read")
    func controlDataTooShort() {
        let short = message(length: 18, level: Int32(IPPROTO_IP), type: IP_PKTINFO, data: [1, 0])
        let ttl = message(level: Int32(IPPROTO_IP), type: IP_TTL, data: [7, 0, 0, 0])
        let datagram = parse(short + ttl)
        #expect(datagram.destination == nil && datagram.hopLimit == 7)
    }

    @Test("a header-only or zero-length control message ends the parse without reading further")
    func controlZeroLength() {
        let zero = message(length: 0, level: Int32(IPPROTO_IP), type: IP_TTL, data: [9, 0, 0, 0])
        #expect(parse(zero).hopLimit == -1)
        let ttl = message(level: Int32(IPPROTO_IP), type: IP_TTL, data: [9, 0, 0, 0])
        #expect(parse(ttl, length: 19).hopLimit == -1, "the kernel's count (19) cuts the 20-byte message short")
        #expect(parse(ttl).hopLimit == 9)
    }

    @Test("a negative interface index in IP_PKTINFO is kept as the kernel's bits, not a trap")
    func controlNegativeInterface() {
        var info = withUnsafeBytes(of: Int32(-1)) { Array($0) }
        info += [127, 0, 0, 1, 127, 0, 0, 1]
        let datagram = parse(message(level: Int32(IPPROTO_IP), type: IP_PKTINFO, data: info))
        #expect(datagram.interfaceIndex == UInt32.max)
        #expect(datagram.destination != nil)
    }
}
