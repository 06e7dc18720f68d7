#ifndef QKIT_CQKITNET_SHIM_H
#define QKIT_CQKITNET_SHIM_H
// The GNU extensions QNetwork's syscall seam uses and Glibc's Swift module leaves out
// (they need _GNU_SOURCE). Declared under QKit's own names, bound to the C symbols with asm
// labels, and with untyped pointers: this header includes no system header, because a module
// that includes glibc headers takes their declarations over from the Swift files compiled
// beside it. QNetwork passes Linux's `struct mmsghdr` layout (MultiMessageHeader). The CMSG
// macros are written out as inline functions for the same reason.

/// `recvmmsg(fd, messages, count, flags, timeout)`: several datagrams in one call.
int cqkit_recvmmsg(int fd, void *messages, unsigned int count, int flags, void *timeout) __asm__("recvmmsg");

/// `sendmmsg(fd, messages, count, flags)`: several datagrams in one call; returns how many
/// were sent (fewer than asked when one fails after the first).
int cqkit_sendmmsg(int fd, void *messages, unsigned int count, int flags) __asm__("sendmmsg");

/// `accept4(fd, address, length, flags)`: accept with SOCK_NONBLOCK / SOCK_CLOEXEC set at once.
int cqkit_accept4(int fd, void *address, void *length, int flags) __asm__("accept4");

/// CMSG_ALIGN: control-message parts are padded to the size of `size_t` (`unsigned long`).
static inline unsigned long cqkit_cmsg_align(unsigned long length) {
    return (length + sizeof(unsigned long) - 1) & ~(sizeof(unsigned long) - 1);
}

/// CMSG_LEN(length) for a header of `header` bytes (`sizeof(struct cmsghdr)`, passed in because
/// this header includes no system header): the value of `cmsg_len`.
static inline unsigned long cqkit_cmsg_len(unsigned long header, unsigned long length) {
    return cqkit_cmsg_align(header) + length;
}

/// CMSG_SPACE(length): the bytes one control message takes in the buffer, padding included.
static inline unsigned long cqkit_cmsg_space(unsigned long header, unsigned long length) {
    return cqkit_cmsg_align(header) + cqkit_cmsg_align(length);
}

#endif
