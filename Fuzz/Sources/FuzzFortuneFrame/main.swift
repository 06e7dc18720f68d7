// The fortune client's frame reader (FortuneFrame, the sample's own file) on bytes that arrive in
// pieces: the pieces give the result the whole gives, and a read frame consumes exactly its
// own bytes.
import FuzzSupport

@_spi(QKitInternal) import QCore

/// A sequential device whose bytes arrive when the test feeds them, like a socket's.
final class Arrivals: QIODevice {
    override var isSequential: Bool { true }

    func feed(_ bytes: ArraySlice<UInt8>) {
        _ = qkitReadIntoBuffer(maxCount: bytes.count) { target in
            bytes.withUnsafeBytes { target.copyMemory(from: $0) }
            return bytes.count
        }
    }
}

/// Feeds `bytes` in pieces of the given sizes, trying a read after each, until one is not
/// incomplete. Returns that result and the bytes left unread.
func readInPieces(_ bytes: [UInt8], sizes: [Int]) -> (FortuneFrame, Int64) {
    let device = Arrivals()
    _ = device.open(.readOnly)
    let stream = QDataStream(device)
    var offset = 0
    var result = FortuneFrame.incomplete
    var sizeIndex = 0
    repeat {
        let size = sizes.isEmpty ? bytes.count : max(1, sizes[sizeIndex % sizes.count])
        sizeIndex += 1
        let end = min(bytes.count, offset + size)
        device.feed(bytes[offset..<end])
        offset = end
        result = FortuneFrame.read(from: stream)
    } while result == .incomplete && offset < bytes.count
    return (result, device.bytesAvailable + Int64(bytes.count - offset))
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: UInt) -> Int32 {
    let input = fuzzBytes(data, size)
    guard let first = input.first else { return 0 }
    // The first byte says how the bytes are cut: pieces of 1…8 bytes, in a pattern.
    let sizes = (0..<Int(first % 4)).map { Int((first >> (2 + $0 * 2)) % 8) + 1 }
    let bytes = Array(input.dropFirst())
    let (whole, wholeLeft) = readInPieces(bytes, sizes: [])
    let (pieces, piecesLeft) = readInPieces(bytes, sizes: sizes)
    require(pieces == whole, "in pieces \(sizes): \(pieces), at once: \(whole)")
    if case .fortune(let text) = whole {
        let frameSize = 8 + text.utf16.count * 2
        require(wholeLeft == Int64(bytes.count - frameSize), "a frame of \(frameSize) bytes left \(wholeLeft) of \(bytes.count)")
        require(piecesLeft == wholeLeft, "in pieces \(piecesLeft) bytes were left, at once \(wholeLeft)")
    }
    return 0
}

runFuzzer(testOneInput)
