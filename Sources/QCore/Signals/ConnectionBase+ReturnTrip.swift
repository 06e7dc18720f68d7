import Synchronization

// The return trip of calls queued from another thread: once a call ran in the receiver's
// thread, it goes back to the emitting side (`returnedCalls`), which reuses it for a later
// emission (`senderSpares`). A call on this trip keeps its reference to the connection the
// whole way, so neither side counts references per call: a retain when the emitting side
// reused a call and a release when the receiving side handed it back moved the connection's
// cache line between the two CPUs on every call (interleaved A/B on this project's 2-CPU
// machine: queued calls across CPUs 5.5 -> 7.0 M/s once they were gone).
//
// The cycle that makes (the connection owns the lists, each call in them holds the
// connection) ends when the connection dies: `retireReturnTrips` takes both lists and marks
// them `retired`, after which a call handed back is released instead, and an emission that
// was taking spares at that moment releases what it would have put back.

extension ConnectionBase {
    /// For a call queued from a thread other than the receiver's: a spent call handed back by
    /// the receiver's side (the caller owns the reference, and the call still holds this
    /// connection), or nil. With nil, `mayCirculate` says whether the caller's new call may
    /// make the return trip (the count has room and no other thread is taking spares of this
    /// connection at this moment).
    @usableFromInline
    func takeSenderSpare(mayCirculate: inout Bool) -> Unmanaged<QueuedCallEvent>? {
        var head = senderSpares.exchange(Self.senderBusy, ordering: .acquiring)
        if head == Self.senderBusy || head == Self.retired {
            // Busy: another thread takes spares now. Retired: put the mark back.
            if head == Self.retired { senderSpares.store(Self.retired, ordering: .releasing) }
            mayCirculate = false
            return nil
        }
        if head == 0 { head = takeReturnedCalls() }
        guard let call = Self.spare(bits: head) else {
            mayCirculate = senderCirculating < Self.returnTripLimit
            if mayCirculate { senderCirculating += 1 }
            putBackSenderSpares(0)
            return nil
        }
        // Safe: the list owns a reference to each entry.
        let next = call._withUnsafeGuaranteedRef { $0.nextSpare }
        putBackSenderSpares(next.map { UInt(bitPattern: $0.toOpaque()) } ?? 0)
        return call
    }

    /// Takes every call handed back so far (the list's bits, 0 when none or retired).
    private func takeReturnedCalls() -> UInt {
        var head = returnedCalls.load(ordering: .acquiring)
        while head != 0 && head != Self.retired {
            let (exchanged, found) = returnedCalls.compareExchange(
                expected: head, desired: 0, successOrdering: .acquiring, failureOrdering: .acquiring)
            if exchanged { return head }
            head = found
        }
        return 0
    }

    /// Ends a take: the emitting side's list becomes `bits`, unless the connection was retired
    /// meanwhile (the only other change a busy list can see); then those calls are released.
    func putBackSenderSpares(_ bits: UInt) {
        let (stored, _) = senderSpares.compareExchange(
            expected: Self.senderBusy, desired: bits, successOrdering: .releasing, failureOrdering: .acquiring)
        if !stored { Self.releaseSpares(Self.spare(bits: bits)) }
    }

    /// Hands a spent call (an owned reference, holding this connection) back to the emitting
    /// side, from the thread that ran it; lock-free. False when the connection was retired:
    /// the caller still owns the call and releases it. After a true return the caller must not
    /// touch the connection again (a retirement may free it meanwhile).
    func returnSpentCall(_ call: Unmanaged<QueuedCallEvent>) -> Bool {
        let bits = UInt(bitPattern: call.toOpaque())
        var head = returnedCalls.load(ordering: .relaxed)
        while head != Self.retired {
            // Safe: the caller owns the reference; the call is in no list until the exchange.
            call._withUnsafeGuaranteedRef { $0.nextSpare = Self.spare(bits: head) }
            let (exchanged, found) = returnedCalls.compareExchange(
                expected: head, desired: bits, successOrdering: .releasing, failureOrdering: .relaxed)
            if exchanged { return true }
            head = found
        }
        return false
    }

    /// After the connection died (every kill calls it; a second call finds nothing): releases
    /// the calls waiting on either side of the return trip and marks both lists retired.
    /// The caller holds a reference to the connection (the calls released here hold others).
    func retireReturnTrips() {
        Self.releaseSpares(Self.spare(bits: returnedCalls.exchange(Self.retired, ordering: .acquiringAndReleasing)))
        // Busy: the emission taking spares releases what it puts back (`putBackSenderSpares`).
        Self.releaseSpares(Self.spare(bits: senderSpares.exchange(Self.retired, ordering: .acquiringAndReleasing)))
    }

    /// The spares waiting on each side of the return trip (for tests; only while no thread
    /// emits on this connection or runs its calls).
    var returnTripSpares: (returned: [ObjectIdentifier], sender: [ObjectIdentifier]) {
        func list(_ bits: UInt) -> [ObjectIdentifier] {
            var ids: [ObjectIdentifier] = []
            var next = Self.spare(bits: bits)
            while let call = next {
                ids.append(ObjectIdentifier(call.takeUnretainedValue()))
                next = call._withUnsafeGuaranteedRef { $0.nextSpare }
            }
            return ids
        }
        return (list(returnedCalls.load(ordering: .acquiring)), list(senderSpares.load(ordering: .acquiring)))
    }
}
