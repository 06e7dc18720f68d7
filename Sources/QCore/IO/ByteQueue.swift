/// A FIFO of bytes for device buffers: appends at the tail, consumes from the head, and moves
/// live bytes to the front only when that makes room, so reading and writing in pieces never
/// moves data per byte. A descriptor can read straight into the tail (`appendInPlace`), so
/// received bytes are copied once from the kernel and once to the reader.
@_spi(QKitInternal)
public struct ByteQueue {
    /// The bytes live in `storage.base[head..<tail]`; copies of a queue share storage until
    /// one of them changes (copy on write).
    private var storage = Storage()

    /// An empty queue.
    public init() {}

    /// Bytes queued.
    public var count: Int { storage.tail - storage.head }
    /// True when nothing is queued.
    public var isEmpty: Bool { storage.head == storage.tail }

    /// Copies `bytes` to the tail.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0, let source = bytes.baseAddress else { return }
        let target = reserveTail(bytes.count)
        // Safe: reserveTail made room for bytes.count bytes at target.
        target.copyMemory(from: source, byteCount: bytes.count)
        storage.tail += bytes.count
    }

    /// Copies `bytes` to the tail.
    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Lets `fill` write up to `maxCount` bytes straight into the tail (a descriptor read,
    /// with no intermediate buffer and no zero-filling); keeps the count it returns (clamped
    /// to 0...maxCount) and returns it.
    public mutating func appendInPlace(maxCount: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Int) -> Int {
        guard maxCount > 0 else { return 0 }
        let target = reserveTail(maxCount)
        // Safe: reserveTail made room for maxCount bytes at target; fill reports what it wrote.
        let kept = min(max(0, fill(UnsafeMutableRawBufferPointer(start: target, count: maxCount))), maxCount)
        storage.tail += kept
        return kept
    }

    /// Copies up to `buffer.count` bytes out and consumes them; returns how many.
    public mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let n = peek(into: buffer)
        skip(n)
        return n
    }

    /// Copies up to `buffer.count` bytes out without consuming them.
    public func peek(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        peek(into: buffer, at: 0)
    }

    /// Copies up to `buffer.count` bytes starting `offset` bytes after the head, without
    /// consuming them (transactions read ahead this way).
    public func peek(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        guard offset >= 0 else { return 0 }
        let n = min(buffer.count, count - offset)
        guard n > 0, let target = buffer.baseAddress else { return 0 }
        // Safe: head + offset + n <= tail, and the target holds at least n bytes.
        target.copyMemory(from: storage.base! + storage.head + offset, byteCount: n)
        return n
    }

    /// Consumes and returns up to `max` bytes.
    public mutating func take(_ max: Int) -> [UInt8] {
        let out = prefix(max)
        skip(out.count)
        return out
    }

    /// Returns up to `max` bytes from `offset` on, without consuming them.
    public func prefix(_ max: Int, from offset: Int = 0) -> [UInt8] {
        let start = min(Swift.max(0, offset), count)
        let n = Swift.max(0, min(max, count - start))
        guard n > 0 else { return [] }
        // Safe: head + start + n <= tail; the bytes are plain UInt8. Typed, the copy is one
        // memcpy (an UnsafeRawBufferPointer source was copied byte by byte, about 170
        // instructions for 64 bytes).
        let source = (storage.base! + storage.head + start).assumingMemoryBound(to: UInt8.self)
        return Array(UnsafeBufferPointer(start: source, count: n))
    }

    /// Drops `n` bytes from the head.
    public mutating func skip(_ n: Int) {
        guard n > 0 else { return }
        makeUnique()
        storage.head += min(n, count)
        if storage.head == storage.tail { storage.reset() }
    }

    /// The index (from the head) of the first `byte` at or after `offset`, searching at most
    /// `limit` bytes.
    public func firstIndex(of byte: UInt8, from offset: Int = 0, limit: Int = .max) -> Int? {
        let start = Swift.max(0, offset)
        let length = min(count - start, limit)
        guard length > 0 else { return nil }
        // Safe: head + start + length <= tail.
        let bytes = UnsafeRawBufferPointer(start: storage.base! + storage.head + start, count: length)
        return bytes.firstIndex(of: byte).map { $0 + start }
    }

    /// Drops every byte (capacity up to 16 MiB is kept).
    public mutating func removeAll() {
        makeUnique()
        storage.reset()
    }

    /// Gives the contiguous queued bytes to `body` (for writing them to a descriptor).
    /// Mutating only so that a queue stored in an object is used in place: a read-only call
    /// on it copied the queue first (a retain and a release of its storage).
    public mutating func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let base = storage.base else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: base + storage.head, count: count))
    }

    /// Room for `n` more bytes at the tail; returns where they go.
    private mutating func reserveTail(_ n: Int) -> UnsafeMutableRawPointer {
        makeUnique()
        storage.reserve(n)
        return storage.base! + storage.tail
    }

    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// The bytes' memory: `base[head..<tail]` are live.
    private final class Storage {
        // Unchecked: a Storage is reached only through its queue, whose copy-on-write keeps
        // every mutation on a uniquely referenced one (the run-time checks cost a call per
        // access).
        @exclusivity(unchecked) var base: UnsafeMutableRawPointer?
        @exclusivity(unchecked) var capacity = 0
        @exclusivity(unchecked) var head = 0
        @exclusivity(unchecked) var tail = 0

        deinit { base?.deallocate() }

        func copy() -> Storage {
            let other = Storage()
            let live = tail - head
            if live > 0 {
                other.reserve(live)
                // Safe: other has room for live bytes; ours are base[head..<tail].
                other.base!.copyMemory(from: base! + head, byteCount: live)
                other.tail = live
            }
            return other
        }

        /// Makes room for `n` bytes after `tail`: slides the live bytes to the front when that
        /// is enough and they are the smaller part, otherwise grows (doubling).
        func reserve(_ n: Int) {
            if tail + n <= capacity { return }
            let live = tail - head
            if live + n <= capacity && head >= live {
                // Safe: both ranges lie inside the allocation and do not overlap (head >= live).
                if live > 0 { base!.copyMemory(from: base! + head, byteCount: live) }
                head = 0
                tail = live
                return
            }
            let newCapacity = Swift.max(4096, capacity * 2, live + n)
            let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
            // Safe: the new block holds newCapacity >= live bytes.
            if live > 0 { newBase.copyMemory(from: base! + head, byteCount: live) }
            base?.deallocate()
            base = newBase
            capacity = newCapacity
            head = 0
            tail = live
        }

        /// Empty: keeps up to 16 MiB of capacity for the next burst (a streaming writer refills
        /// it at once), frees more than that.
        func reset() {
            head = 0
            tail = 0
            if capacity > 16 << 20 {
                base?.deallocate()
                base = nil
                capacity = 0
            }
        }
    }
}
