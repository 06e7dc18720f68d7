import Synchronization

/// The objects living in a thread keep its `ThreadData` alive without one reference each
/// (two atomic operations per object): the thread counts the objects it creates and destroys
/// itself with plain arithmetic (`localObjects`); other threads count theirs (an object
/// destroyed elsewhere, one moved in) atomically (`foreignObjects`). While an OS thread runs
/// for the data, its thread-local slot keeps the data alive and `foreignObjects` carries a
/// large bias, so it never reaches 0; when the thread ends, the local count is folded in and
/// the data retains itself once while objects remain. The first object to arrive in a data
/// with no thread and no objects takes that reference, the last to leave gives it back.
extension ThreadData {
    /// Added to `foreignObjects` while a thread runs: no count of real objects comes near it.
    static let runningBias = 1 << 40

    /// An object now lives in this data (created, or moved here), from any thread.
    @inline(__always) func objectArrived() {
        if isCurrent {
            localObjects += 1
        } else {
            objectArrivedFromOutside()
        }
    }

    /// An object no longer lives in this data (destroyed, or moved away), from any thread.
    @inline(__always) func objectLeft() {
        if isCurrent {
            localObjects -= 1
        } else {
            objectLeftFromOutside()
        }
    }

    /// An object arrived from another thread than the data's running one.
    func objectArrivedFromOutside() {
        if foreignObjects.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == 1 {
            // No thread runs for this data and this is its only object: it keeps the data.
            _ = Unmanaged.passUnretained(self).retain()
        }
    }

    /// An object left this data from another thread than the data's running one (destroyed
    /// elsewhere, or after the thread ended).
    func objectLeftFromOutside() {
        if foreignObjects.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            // The last object of a data with no running thread: give its reference back.
            Unmanaged.passUnretained(self).release()
        }
    }

    /// A thread starts running for this data (after its thread-local slot took a reference).
    func objectCountingStarted() {
        let before =
            foreignObjects.wrappingAdd(ThreadData.runningBias, ordering: .acquiringAndReleasing).newValue
            - ThreadData.runningBias
        // The objects' own reference is not needed while the thread-local slot holds one.
        if before > 0 { Unmanaged.passUnretained(self).release() }
    }

    /// The thread stops running for this data (its token is already 0, so any object destroyed
    /// from now on counts from outside). Called before the thread-local slot lets go.
    func objectCountingStopped() {
        // Taken first: once the local count is folded in, another thread may destroy the
        // last object and give this reference back at once.
        _ = Unmanaged.passUnretained(self).retain()
        let remaining = foreignObjects.wrappingAdd(localObjects - ThreadData.runningBias, ordering: .acquiringAndReleasing)
            .newValue
        localObjects = 0
        if remaining == 0 { Unmanaged.passUnretained(self).release() }
    }
}
