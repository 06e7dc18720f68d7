// The floors of `make bench-compare`: the least the kernel lets any implementation do for a
// row, with no event loop at all. Usage: floorpeer <row> <n> [args]; prints
// "RESULT <value> <unit>", exits 4 when a count differs from the work asked for and 2 for a
// row it has no floor for.
//   udp64 / udp1200   one thread: sendmmsg bursts (at most ~256 in flight), recvmmsg batches
//   udp64-gso / udp1200-gso  the same, each burst sent as one sendmsg with UDP_SEGMENT
//   pingpong          one thread, blocking socketpair: write, read at the other end, write
//                     back, read (the data is always there, so no call waits and no loop polls)
//   bulk-server/-client  two processes, blocking writes of 256 KiB and reads of 64 KiB
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void result(double value, const char *unit) {
    printf("RESULT %.6g %s\n", value, unit);
    fflush(stdout);
}

static int mismatch(const char *what, long long got, long long expected) {
    printf("count mismatch: %s %lld, expected %lld\n", what, got, expected);
    fflush(stdout);
    return 4;
}

// ---- UDP one thread, batched both ways: sendmmsg bursts, or (gso) each burst of up to 64 equal
// datagrams (65,507 bytes at most) as one sendmsg with UDP_SEGMENT; recvmmsg batches.
enum { BATCH = 64 };
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

static int udp_row(long n, int size, int gso) {
    int rx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), tx = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(rx, (struct sockaddr *)&a, sizeof a);
    int big = 4 << 20;
    setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    socklen_t len = sizeof a;
    getsockname(rx, (struct sockaddr *)&a, &len);
    static char payload[65536], buffers[BATCH][2048];
    struct iovec out[BATCH], in[BATCH];
    struct mmsghdr sends[BATCH], recvs[BATCH];
    static struct sockaddr_storage senders[BATCH];
    for (int i = 0; i < BATCH; ++i) {
        out[i] = (struct iovec){payload, (size_t)size};
        sends[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &out[i], .msg_iovlen = 1}};
        in[i] = (struct iovec){buffers[i], sizeof buffers[i]};
        recvs[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &senders[i], .msg_iov = &in[i], .msg_iovlen = 1}};
    }
    union {
        char bytes[CMSG_SPACE(sizeof(uint16_t))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct cmsghdr *c = (struct cmsghdr *)control.bytes;
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    *(uint16_t *)CMSG_DATA(c) = (uint16_t)size;
    int per_send = gso && 65507 / size < BATCH ? 65507 / size : BATCH;
    long sent = 0, received = 0;
    double t = now();
    while (received < n) {
        long room = 256 - (sent - received);
        while (sent < n && room > 0) {
            int want = (int)(n - sent < room ? n - sent : room);
            if (want > per_send) want = per_send;
            int r;
            if (gso) {
                struct iovec all = {payload, (size_t)want * size};
                struct msghdr m = {.msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &all, .msg_iovlen = 1};
                if (want > 1) {
                    m.msg_control = control.bytes;
                    m.msg_controllen = sizeof control.bytes;
                }
                r = sendmsg(tx, &m, 0) < 0 ? 0 : want;
            } else {
                r = sendmmsg(tx, sends, (unsigned)want, 0);
            }
            if (r <= 0) break;
            sent += r;
            room -= r;
        }
        // Each datagram with its sender's address, as every side's reader gets it.
        for (int i = 0; i < BATCH; ++i) recvs[i].msg_hdr.msg_namelen = sizeof senders[i];
        int got = recvmmsg(rx, recvs, BATCH, 0, NULL);
        if (got > 0) received += got;
    }
    result(received / (now() - t), "datagrams/s");
    close(rx);
    close(tx);
    return received == n && sent == n ? 0 : mismatch("datagrams received", received, n);
}

// ---- ping-pong: one thread, both ends of a blocking socketpair.
static int pingpong_row(long n) {
    int fd[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, fd);
    char m[64] = {0};
    long rounds = 0;
    double t = now();
    for (long i = 0; i < n; ++i) {
        if (write(fd[0], m, sizeof m) != 64 || read(fd[1], m, sizeof m) != 64) break;
        if (write(fd[1], m, sizeof m) != 64 || read(fd[0], m, sizeof m) != 64) break;
        ++rounds;
    }
    result(rounds / (now() - t), "roundtrips/s");
    close(fd[0]);
    close(fd[1]);
    return rounds == n ? 0 : mismatch("round trips", rounds, n);
}

// ---- bulk, two processes.
static int bulk_server_row(const char *path, long long bytes) {
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    unlink(path);
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 1) < 0) return 3;
    printf("READY\n");
    fflush(stdout);
    int fd = accept(lfd, NULL, NULL);
    static char buffer[1 << 16];
    long long got = 0;
    double start = 0;
    for (;;) {
        ssize_t r = read(fd, buffer, sizeof buffer);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (got == 0) start = now();
        got += r;
        if (got >= bytes) break;
    }
    result(got / (now() - start) / 1e9, "GB/s");
    close(fd);
    close(lfd);
    unlink(path);
    return got == bytes ? 0 : mismatch("bytes", got, bytes);
}

static int bulk_client_row(const char *path, long long bytes) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) return 3;
    static char chunk[256 * 1024];
    long long left = bytes;
    while (left > 0) {
        ssize_t w = write(fd, chunk, left < (long long)sizeof chunk ? left : (long long)sizeof chunk);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return 3;
        left -= w;
    }
    close(fd);
    result(bytes, "bytes");
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: floorpeer <row> <n> [args]\n");
        return 2;
    }
    const char *row = argv[1];
    long n = atol(argv[2]);
    // The floor batches both ways, so it is the floor of the one-datagram and the batch rows.
    if (!strcmp(row, "udp64") || !strcmp(row, "udp64-batch")) return udp_row(n, 64, 0);
    if (!strcmp(row, "udp1200") || !strcmp(row, "udp1200-batch")) return udp_row(n, 1200, 0);
    if (!strcmp(row, "udp64-gso")) return udp_row(n, 64, 1);
    if (!strcmp(row, "udp1200-gso")) return udp_row(n, 1200, 1);
    if (!strcmp(row, "pingpong")) return pingpong_row(n);
    if (!strcmp(row, "bulk-server")) return bulk_server_row(argv[3], n);
    if (!strcmp(row, "bulk-client")) return bulk_client_row(argv[3], n);
    fprintf(stderr, "no floor for row %s\n", row);
    return 2;
}
