import Testing

@testable import QCore

/// The timer queue's heap: earliest deadline first, ties in sequence order, one reference
/// held per entry.
@Suite("Deadline heap")
struct DeadlineHeapTests {
    final class Item {
        let name: Int
        let deinits: DeinitCounter
        init(_ name: Int, _ deinits: DeinitCounter) {
            self.name = name
            self.deinits = deinits
        }
        deinit { deinits.bump() }
    }

    /// Takes every entry out, earliest first: (deadline, item name).
    private func drain(_ heap: inout DeadlineHeap<Item>) -> [[Int]] {
        var order: [[Int]] = []
        while let top = heap.min {
            order.append([Int(top.deadline), top.item.takeUnretainedValue().name])
            heap.removeMin()
        }
        return order
    }

    @Test("entries come out earliest deadline first, equal deadlines in sequence order")
    func order() {
        let deinits = DeinitCounter()
        var heap = DeadlineHeap<Item>()
        // A fixed shuffle of 200 deadlines, many of them equal (deadline = k % 37).
        var expected: [[Int]] = []
        for k in 0..<200 {
            let name = (k * 73) % 200
            heap.insert(Item(name, deinits), deadline: UInt64(name % 37), sequence: UInt64(name))
            expected.append([name % 37, name])
        }
        expected.sort { $0[0] != $1[0] ? $0[0] < $1[0] : $0[1] < $1[1] }
        let count = heap.count
        #expect(count == 200)
        #expect(drain(&heap) == expected)
        let empty = heap.isEmpty
        #expect(empty)
        #expect(deinits.value == 200)
    }

    @Test("updateMin moves the earliest entry to its new deadline and keeps its item")
    func updateMin() {
        let deinits = DeinitCounter()
        var heap = DeadlineHeap<Item>()
        for name in 1...5 { heap.insert(Item(name, deinits), deadline: UInt64(name * 10), sequence: UInt64(name)) }
        heap.updateMin(deadline: 35)
        let first = heap.min?.item.takeUnretainedValue().name
        #expect(first == 2)
        #expect(drain(&heap) == [[20, 2], [30, 3], [35, 1], [40, 4], [50, 5]])
        #expect(deinits.value == 5)
    }

    @Test("the heap holds each item until its entry goes; removeAll and the heap's end release the rest")
    func references() {
        let deinits = DeinitCounter()
        do {
            var heap = DeadlineHeap<Item>()
            for name in 0..<40 { heap.insert(Item(name, deinits), deadline: UInt64(40 - name), sequence: 0) }
            #expect(deinits.value == 0)
            heap.removeMin()
            #expect(deinits.value == 1)
            heap.removeAll()
            #expect(deinits.value == 40)
            let empty = heap.isEmpty && heap.min == nil
            #expect(empty)
            for name in 0..<3 { heap.insert(Item(name, deinits), deadline: 1, sequence: UInt64(name)) }
        }
        #expect(deinits.value == 43)
    }
}
