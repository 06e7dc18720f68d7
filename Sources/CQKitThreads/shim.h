#ifndef QKIT_CQKITTHREADS_SHIM_H
#define QKIT_CQKITTHREADS_SHIM_H
// futex(2), which glibc reaches only through the variadic syscall(2) (Swift imports no
// variadic C function), and the CPU's spin-wait hint: the waiting half of QKit's mutex
// (`FutexLock`), whose uncontended lock and unlock are one atomic instruction each. And the
// calling thread's identity without a call, for the affinity checks on every hot path.
// Header-only and including no system header, like QKit's other shims: syscall is bound to
// glibc's symbol by an asm label, and the futex numbers are the kernel's ABI.

long cqkit_syscall(long number, ...) __asm__("syscall");

#if defined(__x86_64__)
static const long CQKIT_SYS_FUTEX = 202;
#elif defined(__aarch64__) || defined(__riscv)
static const long CQKIT_SYS_FUTEX = 98;
#else
#error "CQKitThreads: the futex system call number of this architecture is not known"
#endif

/// FUTEX_WAIT | FUTEX_PRIVATE_FLAG and FUTEX_WAKE | FUTEX_PRIVATE_FLAG (one process's words).
static const int CQKIT_FUTEX_WAIT_PRIVATE = 0 | 128;
static const int CQKIT_FUTEX_WAKE_PRIVATE = 1 | 128;

/// Sleeps while `*word` equals `expected` (returns at once if it does not; may wake spuriously).
static inline void cqkit_futex_wait(unsigned int *word, unsigned int expected) {
    (void)cqkit_syscall(CQKIT_SYS_FUTEX, word, CQKIT_FUTEX_WAIT_PRIVATE, expected, (void *)0, (void *)0, 0);
}

/// Wakes one thread sleeping on `word`.
static inline void cqkit_futex_wake_one(unsigned int *word) {
    (void)cqkit_syscall(CQKIT_SYS_FUTEX, word, CQKIT_FUTEX_WAKE_PRIVATE, 1, (void *)0, (void *)0, 0);
}

unsigned long cqkit_pthread_self(void) __asm__("pthread_self");

/// The calling thread's `pthread_t`, the value `pthread_self()` returns. On x86-64 it is read
/// from the thread pointer without a call: the word at %fs:0 is the thread control block's
/// address, which glibc and musl both return as `pthread_self()`.
static inline unsigned long cqkit_thread_self(void) {
#if defined(__x86_64__)
    unsigned long self;
    __asm__("mov %%fs:0, %0" : "=r"(self));
    return self;
#else
    return cqkit_pthread_self();
#endif
}

/// Tells the CPU the thread spins waiting for another (x86 `pause`, Arm `yield`).
static inline void cqkit_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
