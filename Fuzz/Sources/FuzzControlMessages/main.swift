// The control messages of a received datagram (IP_PKTINFO, IP_TTL, IPV6_PKTINFO,
// IPV6_HOPLIMIT), parsed from any bytes: never a read outside them, and only facts they hold.
import FuzzSupport

@testable import QNetwork

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: UInt) -> Int32 {
    let bytes = fuzzBytes(data, size)
    guard let first = bytes.first else { return 0 }
    // The first byte shortens the length the kernel reported below the buffer's size.
    let control = Array(bytes.dropFirst())
    let length = max(0, control.count - Int(first % 32))
    var datagram = ReceivedDatagram(copied: 0, size: 0, sender: nil, destination: nil, interfaceIndex: 0, hopLimit: -1)
    // Copied into an exact-size allocation, so AddressSanitizer sees any read past the end.
    let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: control.count, alignment: 8)
    defer { raw.deallocate() }
    raw.copyBytes(from: control)
    Posix.parseControl(UnsafeRawBufferPointer(raw), length: length, into: &datagram)
    if length == 0 {
        require(datagram.destination == nil && datagram.hopLimit == -1 && datagram.interfaceIndex == 0, "facts from no bytes")
    }
    return 0
}

runFuzzer(testOneInput)
