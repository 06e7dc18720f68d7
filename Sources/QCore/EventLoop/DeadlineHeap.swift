/// A min-heap of deadlines for `TimerQueue`: each entry is a deadline, a tie-breaking
/// sequence number and an item the heap holds one reference to. Four children per node (half
/// the levels of a binary heap, and the four sit in one or two cache lines), entries of plain
/// values moved without reference counting. swift-collections' `Heap`, a min-max heap of
/// entries holding the timer object, spent 85 % of a loop's time with 100,000 timers in its
/// sift-down and in retains and releases of the entries it moved.
struct DeadlineHeap<Item: AnyObject>: ~Copyable {
    struct Entry {
        let deadline: UInt64
        let sequence: UInt64
        /// Retained by the heap while the entry is in it.
        let item: Unmanaged<Item>

        /// Earlier deadline first; equal deadlines in sequence order.
        @inline(__always) func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
        }
    }

    private var base: UnsafeMutablePointer<Entry>?
    private var capacity = 0
    private(set) var count = 0

    init() {}

    deinit {
        releaseAll()
        base?.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    /// The earliest entry, if any.
    var min: Entry? {
        // Safe: entry 0 is initialised whenever count > 0.
        count > 0 ? base.unsafelyUnwrapped[0] : nil
    }

    /// Adds `item` (retained) with its deadline.
    mutating func insert(_ item: Item, deadline: UInt64, sequence: UInt64) {
        if count == capacity { grow() }
        let entry = Entry(deadline: deadline, sequence: sequence, item: .passRetained(item))
        count += 1
        siftUp(entry, from: count - 1)
    }

    /// Removes the earliest entry and releases its item. Not for an empty heap.
    mutating func removeMin() {
        precondition(count > 0, "DeadlineHeap.removeMin on an empty heap")
        // Safe: entry 0 exists; the last entry fills the hole and sinks to its place.
        let p = base.unsafelyUnwrapped
        p[0].item.release()
        count -= 1
        if count > 0 { siftDown(p[count], from: 0) }
    }

    /// Gives the earliest entry a new (later) deadline, keeping its item and sequence.
    mutating func updateMin(deadline: UInt64) {
        precondition(count > 0, "DeadlineHeap.updateMin on an empty heap")
        // Safe: entry 0 exists.
        let top = base.unsafelyUnwrapped[0]
        siftDown(Entry(deadline: deadline, sequence: top.sequence, item: top.item), from: 0)
    }

    /// Releases every item and empties the heap (its storage is kept).
    mutating func removeAll() {
        releaseAll()
        count = 0
    }

    private func releaseAll() {
        for i in 0..<count {
            // Safe: entries 0..<count are initialised.
            base.unsafelyUnwrapped[i].item.release()
        }
    }

    private mutating func grow() {
        let newCapacity = Swift.max(16, capacity * 2)
        let grown = UnsafeMutablePointer<Entry>.allocate(capacity: newCapacity)
        if let base {
            // Safe: entries are plain values; the old storage is freed after the copy.
            grown.initialize(from: base, count: count)
            base.deallocate()
        }
        base = grown
        capacity = newCapacity
    }

    /// Places `entry` at `index` (a hole) or above it.
    private func siftUp(_ entry: Entry, from index: Int) {
        // Safe: every index used is below count, and the hole is written last.
        let p = base.unsafelyUnwrapped
        var i = index
        while i > 0 {
            let parent = (i - 1) >> 2
            guard entry.precedes(p[parent]) else { break }
            p[i] = p[parent]
            i = parent
        }
        p[i] = entry
    }

    /// Places `entry` at `index` (a hole) or below it.
    private func siftDown(_ entry: Entry, from index: Int) {
        // Safe: children are read only below count; the hole is written last.
        let p = base.unsafelyUnwrapped
        let n = count
        var i = index
        while true {
            let first = 4 &* i &+ 1
            if first >= n { break }
            var best = first
            var child = first &+ 1
            let end = Swift.min(first &+ 4, n)
            while child < end {
                if p[child].precedes(p[best]) { best = child }
                child &+= 1
            }
            guard p[best].precedes(entry) else { break }
            p[i] = p[best]
            i = best
        }
        p[i] = entry
    }
}
