// Local-socket name resolution: any name (the first byte picks the abstract namespace) gives
// no address, or the address of its full name, within sun_path's limit.
import FuzzSupport

@testable import QNetwork

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: UInt) -> Int32 {
    let bytes = fuzzBytes(data, size)
    let abstract = (bytes.first ?? 0) & 1 == 1
    let name = String(decoding: bytes.dropFirst(), as: UTF8.self)
    let full = LocalName.fullName(name, abstract: abstract)
    require(abstract || name.hasPrefix("/") ? full == name : full.hasSuffix("/" + name), "full name \(full.debugDescription) of \(name.debugDescription)")
    let component = LocalName.lastComponent(full)
    require(!component.contains("/"), "last component \(component.debugDescription) of \(full.debugDescription)")
    guard let (address, resolved) = LocalName.address(name, abstract: abstract) else {
        require(name.isEmpty || full.utf8.count > LocalName.maximumLength, "\(name.debugDescription) refused")
        return 0
    }
    require(!name.isEmpty && resolved == full, "\(name.debugDescription) resolved to \(resolved.debugDescription)")
    guard case .unix(let path) = address else {
        require(false, "\(name.debugDescription) resolved to a non-local address")
        return 0
    }
    require(path == (abstract ? [0] : []) + Array(full.utf8), "\(name.debugDescription): path bytes differ from its full name")
    require(path.count <= LocalName.maximumLength + 1, "\(name.debugDescription): \(path.count) bytes overflow sun_path")
    return 0
}

runFuzzer(testOneInput)
