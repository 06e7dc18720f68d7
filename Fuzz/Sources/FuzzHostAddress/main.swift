// QHostAddress's text parser: any text either is not an address, or is one whose text form
// parses back to the same address and prints the same way.
import FuzzSupport
import QNetwork

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: UInt) -> Int32 {
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    let address = QHostAddress(text)
    guard !address.isNull else { return 0 }
    let printed = address.toString()
    let again = QHostAddress(printed)
    require(again == address, "\(text.debugDescription) → \(printed.debugDescription) → \(again.toString().debugDescription)")
    require(again.toString() == printed, "\(printed.debugDescription) prints as \(again.toString().debugDescription)")
    require(address.protocol == .ipv4 || address.protocol == .ipv6, "\(text.debugDescription) parsed with no protocol")
    return 0
}

runFuzzer(testOneInput)
