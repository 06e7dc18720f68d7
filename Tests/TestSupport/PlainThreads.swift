// OS threads that QKit did not start, for tests of what such threads see.
#if canImport(Glibc)
import Glibc
#endif

/// Starts `body` on a new pthread (not a QThread); the caller joins it with `pthread_join`.
public func startPlainThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    final class Box: @unchecked Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    var thread = pthread_t()
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    let rc = pthread_create(
        &thread, nil,
        { raw in
            // Safe: the box was retained for this thread, which takes that reference.
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, context)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    return thread
}

/// Runs `body` on a new pthread (not a QThread) and waits for its end.
public func runOnPlainThread(_ body: @escaping @Sendable () -> Void) {
    pthread_join(startPlainThread(body), nil)
}
