#if DEBUG
import Synchronization

/// Test builds only (compiled out of release builds): makes chosen calls through the syscall
/// funnel fail with a chosen errno, so tests can show what each failure does to a socket.
/// A fault stands in for the kernel's answer: the call is not made (except `close`, which
/// Linux completes before it reports an error), and the funnel treats the errno as if the
/// kernel had returned it (EINTR is retried, EAGAIN is "would block").
enum SyscallFaults {
    /// One planned failure: the next `times` calls of `operation` (on `descriptor`, or on any
    /// descriptor when it is nil), after `skip` calls that go through, fail with `code`.
    struct Fault {
        var operation: SyscallOperation
        var descriptor: Int32?
        var skip: Int
        var times: Int
        var code: Int32
    }

    private static let plans = Mutex<[Fault]>([])
    /// Cheap check for the common case: nothing planned.
    private static let armed = Atomic<Bool>(false)
    private static let fired = Atomic<Int>(0)
    /// Calls made per operation on `countedDescriptor` since `count(on:)`.
    private static let counted = Mutex<[SyscallOperation: Int]>([:])
    private static let countedDescriptor = Atomic<Int32>(-1)

    /// Plans a failure of `operation`. Qt has no counterpart.
    static func inject(
        _ code: Int32, into operation: SyscallOperation, on descriptor: Int32? = nil, after skip: Int = 0, times: Int = 1
    ) {
        plans.withLock { $0.append(Fault(operation: operation, descriptor: descriptor, skip: skip, times: times, code: code)) }
        armed.store(true, ordering: .releasing)
    }

    /// Drops every planned failure and resets the count of injected ones; stops counting.
    static func clear() {
        plans.withLock { $0.removeAll() }
        counted.withLock { $0.removeAll() }
        countedDescriptor.store(-1, ordering: .relaxed)
        armed.store(false, ordering: .releasing)
        fired.store(0, ordering: .relaxed)
    }

    /// Counts from now on the calls made on `descriptor`, per operation (planned failures
    /// included), so a test can tell which call a socket used.
    static func count(on descriptor: Int32) {
        counted.withLock { $0.removeAll() }
        countedDescriptor.store(descriptor, ordering: .relaxed)
        armed.store(true, ordering: .releasing)
    }

    /// The calls of `operation` made on the counted descriptor.
    static func calls(of operation: SyscallOperation) -> Int { counted.withLock { $0[operation] ?? 0 } }

    /// How many failures were injected since the last `clear()`.
    static var injected: Int { fired.load(ordering: .relaxed) }

    /// The errno to fail this call with, or nil to make the call.
    static func take(_ operation: SyscallOperation, on descriptor: Int32) -> Int32? {
        guard armed.load(ordering: .acquiring) else { return nil }
        if descriptor == countedDescriptor.load(ordering: .relaxed) {
            counted.withLock { $0[operation, default: 0] += 1 }
        }
        let code: Int32? = plans.withLock { plans in
            guard
                let i = plans.firstIndex(where: {
                    $0.operation == operation && ($0.descriptor == nil || $0.descriptor == descriptor)
                })
            else { return nil }
            if plans[i].skip > 0 {
                plans[i].skip -= 1
                return nil
            }
            let code = plans[i].code
            plans[i].times -= 1
            if plans[i].times == 0 { plans.remove(at: i) }
            return code
        }
        if code != nil { fired.add(1, ordering: .relaxed) }
        return code
    }
}
#endif
