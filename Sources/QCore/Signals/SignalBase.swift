/// The untyped part of every signal: its connection list (a raw buffer of retained
/// connections, so emitting costs no ARC), its owner, and the blocked flag.
/// A signal is used from its owner's thread (or, before that thread runs, from any thread).
public class SignalBase {
    /// Retained `ConnectionBase` pointers, in connection order.
    @exclusivity(unchecked) @usableFromInline var buffer: UnsafeMutablePointer<UnsafeMutableRawPointer>?
    @exclusivity(unchecked) @usableFromInline var count = 0
    /// `buffer[0]` while `count` is not 0: an emission to one connection reads it from the
    /// signal (one dependent load less before the slot is known).
    @exclusivity(unchecked) @usableFromInline var first: UnsafeMutableRawPointer?
    /// `buffer[count - 1]` while `count` is not 0. An emission to several connections walks
    /// from `first` along `nextInSignal` to the `last` it saw when it began.
    @exclusivity(unchecked) @usableFromInline var last: UnsafeMutableRawPointer?
    @exclusivity(unchecked) var capacity = 0
    /// Bit 0: the owner's signals are blocked.
    @exclusivity(unchecked) @usableFromInline var flags: UInt8 = 0
    /// Twice the nesting depth of emissions in progress (removals are deferred while the depth
    /// is non-zero, that is while this is 2 or more), plus 1 while dead connections are still
    /// in the buffer: an emission adds and subtracts `emissionStep`, and a result of 1 after
    /// it says "compact now" (one compare instead of two loads and tests).
    @exclusivity(unchecked) @usableFromInline final var emission = 0
    @usableFromInline static let emissionStep = 2

    /// Nesting depth of emissions in progress.
    var emitDepth: Int { emission >> 1 }

    /// Whether dead connections are still in the buffer.
    @inlinable final var needsCompaction: Bool {
        @inline(__always) get { emission & 1 != 0 }
        @inline(__always) set { emission = newValue ? emission | 1 : emission & ~1 }
    }

    /// Marks one emission (or a removal loop) begun. Wrapping: the depth is bounded by the
    /// stack long before Int's range (a checked add and subtract cost 4 instructions).
    @inlinable @inline(__always) final func beginEmission() { emission &+= SignalBase.emissionStep }

    /// Marks it ended, and compacts the buffer when it was the outermost one and connections
    /// died meanwhile.
    @inlinable @inline(__always) final func endEmission() {
        emission &-= SignalBase.emissionStep
        if emission == 1 { compact() }
    }
    /// The QObject that declared the signal (nil for a free-standing signal).
    unowned(unsafe) var owner: QObject?
    /// Set when the owner is being deinitialised: `sender()` must not hand it out any more.
    var ownerGone = false

    @usableFromInline static let blockedFlag: UInt8 = 1

    /// Whether the argument types are Sendable (decided by which initialiser the declaration
    /// picked): `.auto` connections of such signals may queue calls to other threads.
    let argumentsSendable: Bool

    init(owner: QObject?, sendable: Bool) {
        self.owner = owner
        argumentsSendable = sendable
        if let owner {
            owner.assertAffinity("declare a signal")
            adopt(owner: owner)
        }
    }

    /// Made on the first connection, for `Connection` handles (see `SignalAnchor`).
    private var anchorStorage: SignalAnchor?
    var anchor: SignalAnchor {
        if let anchorStorage { return anchorStorage }
        let made = SignalAnchor(self)
        anchorStorage = made
        return made
    }

    deinit {
        anchorStorage?.signalDestroyed()
        removeAllConnections()
        buffer?.deallocate()
    }

    /// The number of live connections. Qt: `QObject::receivers(signal)`.
    public var receiverCount: Int {
        var n = 0
        for i in 0..<count where connection(at: i).isAlive { n += 1 }
        return n
    }

    @inline(__always) func connection(at index: Int) -> ConnectionBase {
        Unmanaged<ConnectionBase>.fromOpaque(buffer.unsafelyUnwrapped[index]).takeUnretainedValue()
    }

    func append(_ connection: ConnectionBase) {
        if count == capacity {
            if needsCompaction && emitDepth == 0 { compact() }
            if count == capacity {
                let newCapacity = max(4, capacity * 2)
                let newBuffer = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: newCapacity)
                if let buffer {
                    // An emission in progress does not read the buffer (it follows the
                    // connections' links), so the old one goes at once.
                    newBuffer.moveInitialize(from: buffer, count: count)
                    buffer.deallocate()
                }
                buffer = newBuffer
                capacity = newCapacity
            }
        }
        connection.signal = self
        let raw = Unmanaged.passRetained(connection).toOpaque()
        buffer.unsafelyUnwrapped[count] = raw
        if let last {
            // Only the previous last's link changes: an emission in progress stops at the
            // last it saw, before following that link.
            SignalBase.link(last, to: raw)
        } else {
            first = raw
        }
        last = raw
        count += 1
    }

    /// Drops dead connections from the buffer (never during an emission). They are released
    /// only once the list is complete again: a release may run user code (what a slot
    /// captured), which may connect to this signal or emit it.
    @usableFromInline func compact() {
        guard emitDepth == 0 else { return }
        guard let buffer else { return }
        var kept = 0
        // The dead ones, in order, linked through their own (now unused) `nextInSignal`.
        var deadFirst: UnsafeMutableRawPointer?
        var deadLast: UnsafeMutableRawPointer?
        for i in 0..<count {
            let raw = buffer[i]
            let connection = Unmanaged<ConnectionBase>.fromOpaque(raw)
            connection._withUnsafeGuaranteedRef { $0.nextInSignal = nil }
            if connection._withUnsafeGuaranteedRef({ $0.isAlive }) {
                if kept > 0 { SignalBase.link(buffer[kept - 1], to: raw) }
                buffer[kept] = raw
                kept += 1
            } else {
                if let deadLast { SignalBase.link(deadLast, to: raw) } else { deadFirst = raw }
                deadLast = raw
            }
        }
        count = kept
        first = kept > 0 ? buffer[0] : nil
        last = kept > 0 ? buffer[kept - 1] : nil
        needsCompaction = false
        while let raw = deadFirst {
            let connection = Unmanaged<ConnectionBase>.fromOpaque(raw)
            deadFirst = connection._withUnsafeGuaranteedRef { dead in
                defer { dead.nextInSignal = nil }
                return dead.nextInSignal
            }
            connection.release()
        }
    }

    /// Sets `connection`'s link to `next`.
    private static func link(_ connection: UnsafeMutableRawPointer, to next: UnsafeMutableRawPointer) {
        // Safe: callers pass connections the buffer (or compaction's dead list) retains.
        Unmanaged<ConnectionBase>.fromOpaque(connection)._withUnsafeGuaranteedRef { $0.nextInSignal = next }
    }

    /// Kills one connection: not invoked any more, removed from its receiver's incoming list.
    /// Returns false if it was already dead.
    @usableFromInline @discardableResult
    func kill(_ connection: ConnectionBase) -> Bool {
        guard connection.markDead() else { return false }
        connection.retireReturnTrips()
        connection.unregisterFromReceiver()
        needsCompaction = true
        if emitDepth == 0 { compact() }
        return true
    }

    /// Kills every connection of this signal; returns whether any was alive.
    @discardableResult
    func removeAllConnections() -> Bool {
        var any = false
        beginEmission()
        defer { endEmission() }
        for i in 0..<count {
            let c = connection(at: i)
            if c.markDead() {
                c.retireReturnTrips()
                c.unregisterFromReceiver()
                any = true
            }
            c.signal = nil
        }
        needsCompaction = count > 0
        return any
    }

    /// Kills the connections to `receiver` (and, with a method key, only that method's).
    func removeConnections(to receiver: QObject, methodKey: MethodKey?) -> Bool {
        var any = false
        // Hold compaction until the loop is done: indices must not shift under it.
        beginEmission()
        defer { endEmission() }
        for i in 0..<count {
            let c = connection(at: i)
            guard c.isAlive, c.receiver === receiver, !c.receiverGone.load(ordering: .relaxed) else { continue }
            if let methodKey, c.methodKey != methodKey { continue }
            if kill(c) { any = true }
        }
        return any
    }

    /// True if `receiver` is already connected with this method (for `.unique`).
    func hasConnection(to receiver: QObject, methodKey: MethodKey) -> Bool {
        for i in 0..<count {
            let c = connection(at: i)
            if c.isAlive, c.receiver === receiver, c.methodKey == methodKey { return true }
        }
        return false
    }

    /// The live connection with this id, if any.
    func liveConnection(id: UInt64) -> ConnectionBase? {
        for i in 0..<count {
            let c = connection(at: i)
            if c.id == id { return c.isAlive ? c : nil }
        }
        return nil
    }

    func setBlocked(_ blocked: Bool) {
        if blocked { flags |= SignalBase.blockedFlag } else { flags &= ~SignalBase.blockedFlag }
    }

    func checkAffinity(_ what: String) {
        guard !ownerGone else { return }
        owner?.assertAffinity(what)
    }
}

extension ConnectionBase {
    /// Registers this connection in its receiver's incoming list (for teardown and disconnects).
    func registerWithReceiver() {
        guard let receiver else { return }
        let extra = receiver.extraData  // created (under the lock) before taking it here
        connectionRegistryLock.withLock {
            extra.incoming[ObjectIdentifier(self)] = self
        }
    }

    /// Removes this connection from its receiver's incoming list. It lingers there, weakly,
    /// while queued calls of it may be pending: a move of the receiver must still re-point
    /// them (else they would run in the receiver's old thread).
    func unregisterFromReceiver() {
        guard receiverID != nil else { return }
        connectionRegistryLock.withLock {
            guard !receiverGone.load(ordering: .relaxed), let receiver, let extra = receiver.extra else { return }
            let key = ObjectIdentifier(self)
            guard extra.incoming.removeValue(forKey: key) != nil else { return }
            // Entries whose calls are all gone are dropped as the list grows.
            if extra.lingering.count >= 16 && extra.lingering.count.isPowerOf2 {
                extra.lingering = extra.lingering.filter { $0.value.connection != nil }
            }
            extra.lingering[key] = WeakConnection(connection: self)
        }
    }
}

extension Int {
    /// True for 1, 2, 4, 8...
    fileprivate var isPowerOf2: Bool { self > 0 && self & (self - 1) == 0 }
}
