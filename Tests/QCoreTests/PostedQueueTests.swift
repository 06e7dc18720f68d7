import QKitTestSupport
import Testing

@testable import QCore

/// The storage of a thread's posted queue: entries are moved in and out, never copied, and
/// every entry still held when the queue goes away is freed.
@Suite("Posted queue storage", .leakChecked)
struct PostedQueueTests {
    /// An event that counts its deinit and carries a number to check order.
    final class CountedEvent: QEvent {
        let number: Int
        let counter: DeinitCounter
        init(_ number: Int, _ counter: DeinitCounter) {
            self.number = number
            self.counter = counter
            super.init(.user)
        }
        deinit { counter.bump() }
    }

    /// A posted event numbered `number` for `receiver`.
    private func entry(_ number: Int, _ counter: DeinitCounter, to receiver: QObject, priority: Int = 0) -> PostedItem {
        .event(CountedEvent(number, counter), receiver: receiver, priority: priority)
    }

    /// The number of a queued test event (-1 for anything else).
    private func number(_ item: borrowing PostedItem) -> Int {
        switch item {
        case .event(let event, _, _): (event as? CountedEvent)?.number ?? -1
        case .sharedEvent(let event, _, _): (event as? CountedEvent)?.number ?? -1
        case .call: -1
        }
    }

    private func drain(_ queue: inout PostedQueue) -> [Int] {
        var out: [Int] = []
        while let item = queue.popFirst() { out.append(number(item)) }
        return out
    }

    @Test("entries come out in the order they went in, across growth and after the queue empties")
    func fifoAcrossGrowth() {
        let counter = DeinitCounter()
        let receiver = QObject()
        var queue = PostedQueue()
        for i in 0..<40 { queue.append(entry(i, counter, to: receiver)) }
        let queued = queue.count
        #expect(queued == 40)
        #expect(drain(&queue) == Array(0..<40))
        let emptied = queue.isEmpty
        #expect(emptied)
        queue.append(entry(40, counter, to: receiver))
        #expect(drain(&queue) == [40])
        #expect(counter.value == 41, "each entry freed once it was taken out and dropped")
        receiver.delete()
    }

    @Test("an insert lands at its index and the later entries move one place on")
    func insertKeepsOrder() {
        let counter = DeinitCounter()
        let receiver = QObject()
        var queue = PostedQueue()
        for i in [0, 1, 3] { queue.append(entry(i, counter, to: receiver, priority: 10 - i)) }
        queue.insert(entry(2, counter, to: receiver, priority: 8), at: 2)
        queue.insert(entry(-1, counter, to: receiver, priority: 11), at: 0)
        let first = queue.priority(at: 0)
        let last = queue.priority(at: 4)
        #expect(first == 11 && last == 7)
        #expect(drain(&queue) == [-1, 0, 1, 2, 3])
        receiver.delete()
    }

    @Test("extract takes the matching entries in order and keeps the others in order")
    func extractSplitsInOrder() {
        let counter = DeinitCounter()
        let a = QObject()
        let b = QObject()
        var queue = PostedQueue()
        for i in 0..<10 { queue.append(entry(i, counter, to: i % 3 == 0 ? a : b)) }
        _ = queue.popFirst()  // entry 0 taken first: extraction starts past a consumed head
        var taken = queue.extract { $0.receiver === a }
        #expect(drain(&taken) == [3, 6, 9])
        let keepsB = queue.contains { $0.receiver === b }
        let keepsA = queue.contains { $0.receiver === a }
        #expect(keepsB && !keepsA)
        #expect(drain(&queue) == [1, 2, 4, 5, 7, 8])
        a.delete()
        b.delete()
    }

    @Test("entries still queued when the queue is freed are freed with it")
    func deinitFreesEntries() {
        let counter = DeinitCounter()
        let receiver = QObject()
        do {
            var queue = PostedQueue()
            for i in 0..<20 { queue.append(entry(i, counter, to: receiver)) }
            _ = queue.popFirst()
            _ = queue.popFirst()
            #expect(counter.value == 2)
        }
        #expect(counter.value == 20)
        receiver.delete()
    }

    @Test(
        "a run of events for one receiver at one priority shares the first entry's reference; a new receiver or priority starts a run"
    )
    func runsShareTheirFirstReference() {
        let counter = DeinitCounter()
        let a = QObject()
        let b = QObject()
        var queue = PostedQueue()
        queue.append(CountedEvent(0, counter), to: a, priority: 0)
        queue.append(CountedEvent(1, counter), to: a, priority: 0)
        queue.append(CountedEvent(2, counter), to: a, priority: 0)
        queue.append(CountedEvent(3, counter), to: b, priority: 0)
        queue.append(CountedEvent(4, counter), to: b, priority: -1)
        queue.append(CountedEvent(5, counter), to: a, priority: -1)
        let shared = (0..<queue.count).map { queue.isShared(at: $0) }
        #expect(shared == [false, true, true, false, false, false])
        #expect(drain(&queue) == [0, 1, 2, 3, 4, 5])
        #expect(counter.value == 6)
        a.delete()
        b.delete()
    }

    @Test("extracting from a queue with shared runs gives every entry left or taken its own reference")
    func extractOwnsSharedEntries() {
        let counter = DeinitCounter()
        let a = QObject()
        let b = QObject()
        var queue = PostedQueue()
        for i in 0..<3 { queue.append(CountedEvent(i, counter), to: a, priority: 0) }
        for i in 3..<6 { queue.append(CountedEvent(i, counter), to: b, priority: 0) }
        var taken = queue.extract { number($0) == 0 || number($0) == 4 }
        #expect((0..<queue.count).allSatisfy { !queue.isShared(at: $0) })
        #expect(drain(&taken) == [0, 4])
        #expect(drain(&queue) == [1, 2, 3, 5])
        #expect(counter.value == 6)
        a.delete()
        b.delete()
    }
}
