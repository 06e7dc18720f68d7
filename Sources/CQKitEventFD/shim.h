#ifndef QKIT_CQKITEVENTFD_SHIM_H
#define QKIT_CQKITEVENTFD_SHIM_H
// eventfd(2), which Swift's Glibc module does not import (sys/eventfd.h is not in it): the
// descriptor an event loop's cross-thread wake-up writes to. Header-only and including no
// system header, like QKit's other shims: the declaration is bound to glibc's symbol by an
// asm label. Its flags equal O_NONBLOCK and O_CLOEXEC, which Glibc's module has.

int cqkit_eventfd(unsigned int initial, int flags) __asm__("eventfd");

#endif
