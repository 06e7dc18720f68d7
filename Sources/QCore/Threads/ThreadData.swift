import CQKitThreads
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Everything QKit keeps per thread: the posted-event queue (shared with posting threads),
/// loop levels, running loops and the libevent dispatcher (used only by the owning thread).
@usableFromInline
final class ThreadData: @unchecked Sendable {
    /// `pthread_self()` while the thread runs, 0 before it starts and after it ends.
    @usableFromInline let token = Atomic<UInt>(0)
    /// The QThread object of this thread; strong only for adopted threads (main, test threads).
    weak var threadObject: QThread?
    var adoptedThread: QThread?
    let isAdopted: Bool

    // --- owner-thread state ---
    @exclusivity(unchecked) var loopLevel = 0
    @exclusivity(unchecked) var scopeLevel = 0
    @exclusivity(unchecked) var runningLoops: [QEventLoop] = []
    @exclusivity(unchecked) var dispatcherStorage: EventDispatcher?
    /// The connection whose slot runs now on this thread (for `sender()`), unretained: a
    /// raw pointer so saving and restoring it around each slot costs no reference counting.
    @exclusivity(unchecked) @usableFromInline var currentConnectionRaw: UnsafeMutableRawPointer?

    /// The connection whose slot runs now on this thread, if any.
    var currentConnection: ConnectionBase? {
        // Safe: set only while that connection's slot runs, and the emitting signal keeps it alive.
        currentConnectionRaw.map { Unmanaged<ConnectionBase>.fromOpaque($0).takeUnretainedValue() }
    }
    /// A ChildAdded event kept for reuse (object creation is hot), owned by this slot (one
    /// reference, released in deinit). Unmanaged: a slot of a class type released its old
    /// value (nil) on every store.
    @exclusivity(unchecked) var spareChildEvent: Unmanaged<QChildEvent>?
    /// The emptied children list of the last parent destroyed here, capacity kept, for the
    /// next parent's first child: building and tearing down trees then does not grow a list
    /// from scratch each time (large reallocations, which also made malloc consolidate its
    /// small free chunks, the children's).
    @exclusivity(unchecked) var spareChildList: [QObject] = []
    /// DeferredDelete events whose loop level has not been left yet.
    @exclusivity(unchecked) var heldDeferredDeletes = PostedQueue()
    /// Set while `sendPostedEvents(nil, .deferredDelete)` runs: deferred deletes are forced.
    @exclusivity(unchecked) var forceDeferredDeletes = false

    // --- shared state, guarded by `postLock` ---
    let postLock = FutexLock()
    @exclusivity(unchecked) var postedEvents = PostedQueue()
    /// The priority of the last queued entry: the lowest, as the queue is sorted by priority.
    @exclusivity(unchecked) var tailPriority = 0
    /// The emptied queue of the last delivery, kept for its storage.
    @exclusivity(unchecked) var spareEvents = PostedQueue()
    /// Set (under the lock) when the loop found nothing queued and is about to block; the next
    /// post clears it and wakes the loop. The loop clears it itself, without the lock, when it
    /// wakes: at worst a post then wakes a loop that is already awake.
    let loopSleeping = Atomic<Bool>(false)
    /// Set (under the lock) by every post, cleared when a delivery takes the queue: false
    /// means nothing was queued since, so a pass with nothing posted takes no lock. A post
    /// from another thread that this misses is found before the loop blocks (`prepareToBlock`
    /// looks under the lock).
    let mayHavePosted = Atomic<Bool>(false)
    /// How many entries the last delivery that found any took; the dispatcher reads it
    /// before blocking (`EventDispatcher.floodBatch`). The owning thread's alone.
    @exclusivity(unchecked) var lastDeliveryCount = 0
    @exclusivity(unchecked) var interruptRequested = false
    var waker: EventDispatcherWaker?
    /// The Swift concurrency executor of this thread, made on first use; weak, since the
    /// executor retains this data (whoever uses it, an actor say, keeps it).
    weak var executorStorage: QThreadExecutor?

    // --- object counting (ThreadData+Objects.swift) ---
    /// Objects created here minus those destroyed here, by this data's running thread only.
    @exclusivity(unchecked) var localObjects = 0
    /// Objects that arrived from or left to other threads, plus `runningBias` while a thread runs.
    let foreignObjects = Atomic<Int>(0)

    init(adopted: Bool) {
        isAdopted = adopted
        #if DEBUG
        ThreadData.liveCount.add(1, ordering: .relaxed)
        #endif
    }

    deinit {
        spareChildEvent?.release()
        #if DEBUG
        ThreadData.liveCount.subtract(1, ordering: .relaxed)
        #endif
    }

    #if DEBUG
    /// ThreadData instances alive now (debug builds): tests find leaked or early-freed data.
    static let liveCount = Atomic<Int>(0)
    #endif

    /// True when called on the thread this data belongs to.
    @inlinable @inline(__always) var isCurrent: Bool {
        token.load(ordering: .relaxed) == currentThreadToken()
    }

    /// True while an OS thread runs for this data.
    var isRunning: Bool { token.load(ordering: .relaxed) != 0 }

    /// The data of the calling thread, created (adopted) on first use.
    @usableFromInline static var current: ThreadData { currentRef.takeUnretainedValue() }

    /// `current`, unretained (its thread-local slot keeps it): no reference counting.
    static var currentRef: Unmanaged<ThreadData> {
        if let raw = pthread_getspecific(threadDataKey) {
            return Unmanaged<ThreadData>.fromOpaque(raw)
        }
        let data = ThreadData(adopted: true)
        data.attachToCurrentThread()
        return .passUnretained(data)
    }

    /// Binds this data to the calling OS thread (thread-local slot + token).
    func attachToCurrentThread() {
        pthread_setspecific(threadDataKey, Unmanaged.passRetained(self).toOpaque())
        objectCountingStarted()
        token.store(currentThreadToken(), ordering: .releasing)
    }

    /// Unbinds this data from the calling OS thread.
    func detachFromCurrentThread() {
        token.store(0, ordering: .releasing)
        objectCountingStopped()
        if let raw = pthread_getspecific(threadDataKey), raw == Unmanaged.passUnretained(self).toOpaque() {
            pthread_setspecific(threadDataKey, nil)
            Unmanaged<ThreadData>.fromOpaque(raw).release()
        }
    }

    /// The QThread object for this thread (adopted threads get one on demand).
    var thread: QThread {
        if let t = threadObject { return t }
        let t = QThread(adopting: self)
        adoptedThread = t
        threadObject = t
        return t
    }

    /// The libevent dispatcher of this thread, created on first use by the owning thread.
    var dispatcher: EventDispatcher {
        if let d = dispatcherStorage { return d }
        let d = EventDispatcher(threadData: self)
        dispatcherStorage = d
        postLock.withLock {
            waker = d.waker
            loopSleeping.store(false, ordering: .relaxed)
        }
        return d
    }

    /// Frees this thread's loop (its epoll, wake-up and timer descriptors) when nothing is
    /// registered with it any more; a later loop in this thread makes a new one. A finished
    /// QThread calls it, as Qt deletes a finished thread's event dispatcher.
    func releaseIdleDispatcher() {
        guard let d = dispatcherStorage, d.isIdle else { return }
        postLock.withLock {
            waker = nil
            loopSleeping.store(false, ordering: .relaxed)
        }
        dispatcherStorage = nil
    }

    /// A readable name for warnings: the QThread's objectName, or its identity.
    var debugName: String {
        if let t = threadObject, !t.objectName.isEmpty { return "QThread '\(t.objectName)'" }
        if let app = QCoreApplication.instance, app.threadData === self { return "the main thread" }
        return "thread \(String(UInt(bitPattern: ObjectIdentifier(self).hashValue), radix: 16))"
    }

    static var currentDebugName: String { ThreadData.current.debugName }
}

/// Thread-local slot holding a retained `ThreadData`; released when the OS thread exits.
let threadDataKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { raw in
        guard let raw else { return }
        let data = Unmanaged<ThreadData>.fromOpaque(raw).takeRetainedValue()
        data.token.store(0, ordering: .releasing)
        data.objectCountingStopped()
        if data.isAdopted {
            // Adopted threads own their QThread object: break that cycle when the thread ends.
            data.adoptedThread = nil
        }
    }
    return key
}()
