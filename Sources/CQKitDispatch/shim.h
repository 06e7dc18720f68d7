#ifndef QKIT_CQKITDISPATCH_SHIM_H
#define QKIT_CQKITDISPATCH_SHIM_H
// libdispatch's run-loop hooks, which swift-corelibs-libdispatch exports for Foundation's
// RunLoop but declares in no public header: the main queue's wake-up descriptor (an eventfd
// on Linux, written whenever the queue gets work) and the call that runs what the queue
// holds now. Both belong to the process's main thread. Header-only (a system module), so no
// C object with its own debug-info format is linked into QKit's programs; and it includes no
// system header, so it never takes Glibc's declarations over from the files beside it.

int _dispatch_get_main_queue_handle_4CF(void);
void _dispatch_main_queue_callback_4CF(void *message);

/// The main dispatch queue's wake-up descriptor (created on first use).
static inline int cqkit_main_queue_descriptor(void) { return _dispatch_get_main_queue_handle_4CF(); }

/// Runs the work the main dispatch queue holds now (work queued meanwhile waits for the next call).
static inline void cqkit_run_main_queue(void) { _dispatch_main_queue_callback_4CF((void *)0); }

#endif
