import QKitTestSupport
import Testing

@_spi(QKitInternal) @testable import QCore

@Suite("ByteQueue (device buffers)")
struct ByteQueueTests {
    @Test("bytes come out in order across growth and sliding to the front")
    func orderAcrossGrowthAndSlide() {
        var q = ByteQueue()
        var expected: [UInt8] = []
        var next: UInt8 = 0
        for round in 0..<200 {
            let chunk = (0..<(round % 7 * 900 + 1)).map { _ in
                next &+= 1; return next
            }
            q.append(chunk)
            expected += chunk
            let taken = q.take(round % 5 * 700)
            #expect(Array(expected.prefix(taken.count)) == taken)
            expected.removeFirst(taken.count)
            #expect(q.count == expected.count)
        }
        #expect(q.take(.max) == expected)
        #expect(q.isEmpty)
    }

    @Test("a copy keeps its bytes when the original changes (copy on write)")
    func copyOnWrite() {
        var a = ByteQueue()
        a.append([1, 2, 3])
        let b = a
        a.skip(1)
        a.append([4])
        #expect(b.prefix(10) == [1, 2, 3])
        #expect(a.prefix(10) == [2, 3, 4])
    }

    @Test("appendInPlace keeps only what the filler reports, clamped to the room it gave")
    func appendInPlaceClamps() {
        var q = ByteQueue()
        #expect(
            q.appendInPlace(maxCount: 4) { room in
                room.storeBytes(of: 0x0102_0304 as UInt32, as: UInt32.self); return 4
            } == 4)
        #expect(q.appendInPlace(maxCount: 8) { _ in -1 } == 0)
        #expect(q.appendInPlace(maxCount: 2) { _ in 99 } == 2)
        #expect(q.count == 6)
        #expect(q.appendInPlace(maxCount: 0) { _ in 5 } == 0)
    }

    @Test("firstIndex and peek work from an offset")
    func offsets() {
        var q = ByteQueue()
        q.append(Array("ab\ncd\n".utf8))
        q.skip(1)
        #expect(q.firstIndex(of: 0x0A) == 1)
        #expect(q.firstIndex(of: 0x0A, from: 2) == 4)
        #expect(q.firstIndex(of: 0x0A, from: 2, limit: 2) == nil)
        var two = [UInt8](repeating: 0, count: 2)
        #expect(two.withUnsafeMutableBytes { q.peek(into: $0, at: 3) } == 2)
        #expect(two == Array("d\n".utf8))
        #expect(q.prefix(3, from: 1) == Array("\ncd".utf8))
    }
}
