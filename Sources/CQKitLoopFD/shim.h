#ifndef QKIT_CQKITLOOPFD_SHIM_H
#define QKIT_CQKITLOOPFD_SHIM_H
// eventfd(2) and timerfd(2), which Swift's Glibc module does not import (sys/eventfd.h and
// sys/timerfd.h are not in it): the descriptors of an event loop's cross-thread wake-up and
// of its timer queue. Header-only and including no system header, like QKit's other shims:
// each declaration is bound to glibc's symbol by an asm label, and struct itimerspec is
// passed as an untyped pointer (Glibc's module has the struct itself). The descriptor flags
// equal O_NONBLOCK and O_CLOEXEC, which Glibc's module has.

int cqkit_eventfd(unsigned int initial, int flags) __asm__("eventfd");

int cqkit_timerfd_create(int clock, int flags) __asm__("timerfd_create");

/// `new_value` and `old_value` point to a struct itimerspec (`old_value` may be null).
int cqkit_timerfd_settime(int fd, int flags, const void *new_value, void *old_value) __asm__("timerfd_settime");

/// TFD_TIMER_ABSTIME: `it_value` is an absolute time on the timer's clock.
static const int CQKIT_TFD_TIMER_ABSTIME = 1;

#endif
