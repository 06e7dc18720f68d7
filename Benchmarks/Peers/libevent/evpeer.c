// The raw side of `make bench-compare`: the same work on bare libevent and syscalls, the
// floor under any framework built on them. Usage: evpeer <row> <n> [args];
// prints "RESULT <value> <unit>"; exits 4 when a count differs from the work asked for and 2
// for rows with no libevent meaning (object trees).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
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

static void pin_thread(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static struct event_base *new_base(void) {
    struct event_config *cfg = event_config_new();
    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return base;
}

// ---- emit: an indirect call per slot, the floor of any signal implementation.
static volatile long long sink_total;
static void take(int v) { sink_total += v; }
typedef void (*slot_fn)(int);

static int emit_row(int slots, long n) {
    slot_fn list[16];
    for (int i = 0; i < slots; ++i) list[i] = take;
    slot_fn *volatile table = list;
    double t = now();
    for (long i = 0; i < n; ++i)
        for (int s = 0; s < slots; ++s) table[s]((int)i);
    result((now() - t) * 1e9 / n, "ns/emit");
    long long expected = 0;
    for (long i = 0; i < n; ++i) expected += (int)i;
    return sink_total == expected * slots ? 0 : mismatch("slot sum", sink_total, expected * slots);
}

// ---- queued: 1000 pre-made events activated, then dispatched.
static long delivered;
static void count_cb(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; (void)arg; ++delivered; }

static int queued_row(long n) {
    struct event_base *base = new_base();
    struct event *events[1000];
    for (int i = 0; i < 1000; ++i) events[i] = event_new(base, -1, 0, count_cb, NULL);
    double t = now();
    for (long left = n; left > 0; left -= 1000) {
        long batch = left < 1000 ? left : 1000;
        for (long i = 0; i < batch; ++i) event_active(events[i], EV_READ, 0);
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    result(n / (now() - t), "calls/s");
    for (int i = 0; i < 1000; ++i) event_free(events[i]);
    event_base_free(base);
    return delivered == n ? 0 : mismatch("calls", delivered, n);
}

// ---- post: one allocated one-shot event per item (event_base_once), as postEvent allocates.
static int post_row(long n) {
    struct event_base *base = new_base();
    double t = now();
    for (long left = n; left > 0; left -= 1000) {
        long batch = left < 1000 ? left : 1000;
        for (long i = 0; i < batch; ++i) event_base_once(base, -1, EV_TIMEOUT, count_cb, NULL, NULL);
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    result(n / (now() - t), "events/s");
    event_base_free(base);
    return delivered == n ? 0 : mismatch("events", delivered, n);
}

// ---- chained: each callback activates the next. `busy`: a read event on an idle socketpair
// and a 1 s persistent timer stay registered.
static long chain_left, chain_ran;
static struct event *chain_event;
static void chain_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd; (void)what;
    ++chain_ran;
    if (--chain_left > 0) event_active(chain_event, EV_READ, 0);
    else event_base_loopbreak((struct event_base *)arg);
}

static void idle_cb(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; (void)arg; }

static int chained_row(long n, int busy) {
    struct event_base *base = new_base();
    int pair[2] = {-1, -1};
    struct event *idle = NULL, *timer = NULL;
    if (busy) {
        socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
        idle = event_new(base, pair[0], EV_READ | EV_PERSIST, idle_cb, NULL);
        event_add(idle, NULL);
        struct timeval second = {1, 0};
        timer = event_new(base, -1, EV_PERSIST, idle_cb, NULL);
        event_add(timer, &second);
    }
    chain_event = event_new(base, -1, 0, chain_cb, base);
    chain_left = n;
    double t = now();
    event_active(chain_event, EV_READ, 0);
    event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    result(n / (now() - t), "calls/s");
    event_free(chain_event);
    if (busy) { event_free(idle); event_free(timer); close(pair[0]); close(pair[1]); }
    event_base_free(base);
    return chain_ran == n ? 0 : mismatch("calls", chain_ran, n);
}

// ---- cross-thread: a worker appends to a locked queue and wakes the loop on empty -> non-empty.
static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static long queue_pending, cross_total, cross_n;
static struct event *wake_event;

static void drain_cb(evutil_socket_t fd, short what, void *arg) {
    (void)fd; (void)what;
    pthread_mutex_lock(&queue_lock);
    long got = queue_pending;
    queue_pending = 0;
    pthread_mutex_unlock(&queue_lock);
    cross_total += got;
    if (cross_total >= cross_n) event_base_loopbreak((struct event_base *)arg);
}

static int cross_split;

static void *cross_worker(void *arg) {
    (void)arg;
    if (cross_split) pin_thread(0);
    for (long i = 0; i < cross_n; ++i) {
        pthread_mutex_lock(&queue_lock);
        int wake = queue_pending++ == 0;
        pthread_mutex_unlock(&queue_lock);
        if (wake) event_active(wake_event, EV_READ, 0);
    }
    return NULL;
}

static int crossthread_row(long n, int split) {
    cross_split = split;
    if (split) pin_thread(1);
    evthread_use_pthreads();
    struct event_base *base = new_base();
    wake_event = event_new(base, -1, 0, drain_cb, base);
    cross_n = n;
    pthread_t worker;
    double t = now();
    pthread_create(&worker, NULL, cross_worker, NULL);
    event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
    double s = now() - t;
    pthread_join(worker, NULL);
    result(n / s, "calls/s");
    event_free(wake_event);
    event_base_free(base);
    return cross_total == n ? 0 : mismatch("calls", cross_total, n);
}

// ---- timers: n persistent timers (10,000 when n <= 1) of 1-10 ms for one second.
static long fired;
static void tick_cb(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; (void)arg; ++fired; }
static void stop_cb(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; event_base_loopbreak(arg); }

static int timers_row(long n) {
    struct event_base *base = new_base();
    long count = n > 1 ? n : 10000;
    struct event **timers = calloc((size_t)count, sizeof *timers);
    double expected = 0;
    for (long i = 0; i < count; ++i) {
        int interval = 1 + i % 10;
        struct timeval tv = {0, interval * 1000};
        timers[i] = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
        event_add(timers[i], &tv);
        expected += 1000.0 / interval;
    }
    struct timeval second = {1, 0};
    event_base_once(base, -1, EV_TIMEOUT, stop_cb, base, &second);
    event_base_dispatch(base);
    result(100.0 * fired / expected, "%delivered");
    for (long i = 0; i < count; ++i) event_free(timers[i]);
    free(timers);
    event_base_free(base);
    return 0;
}

// ---- UDP one thread: bursts of sendto (at most ~256 in flight), recvfrom until EAGAIN (each
// datagram with its sender's address, as every side's reader gets it).
static int udp_socket(int port) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&a, sizeof a);
    return fd;
}

static int local_port(int fd) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    return ntohs(a.sin_port);
}

static long udp_received;
static void udp_read_cb(evutil_socket_t fd, short what, void *arg) {
    (void)what; (void)arg;
    char buffer[2048];
    struct sockaddr_storage from;
    socklen_t length = sizeof from;
    while (recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &length) >= 0) {
        ++udp_received;
        length = sizeof from;
    }
}

static int udp_row(long n, int size) {
    struct event_base *base = new_base();
    int rx = udp_socket(0), tx = udp_socket(0);
    int big = 4 << 20;
    setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(local_port(rx)), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct event *ev = event_new(base, rx, EV_READ | EV_PERSIST, udp_read_cb, NULL);
    event_add(ev, NULL);
    char payload[65536];
    memset(payload, 'x', sizeof payload);
    long sent = 0;
    double t = now();
    while (udp_received < n) {
        long burst = (n - sent < 256 ? n - sent : 256) - (sent - udp_received - 256 > 0 ? sent - udp_received - 256 : 0);
        for (long i = 0; i < burst; ++i) sendto(tx, payload, size, 0, (struct sockaddr *)&to, sizeof to);
        if (burst > 0) sent += burst;
        event_base_loop(base, EVLOOP_ONCE | (sent >= n ? 0 : EVLOOP_NONBLOCK));
    }
    result(udp_received / (now() - t), "datagrams/s");
    event_free(ev);
    close(rx); close(tx);
    event_base_free(base);
    return udp_received == n && sent == n ? 0 : mismatch("datagrams received", udp_received, n);
}

// ---- local ping-pong: a socketpair, each side echoes 64 bytes.
static long rounds, rounds_n;
static struct event_base *pp_base;
static void pong_cb(evutil_socket_t fd, short what, void *arg) {
    (void)what; (void)arg;
    char b[64];
    ssize_t r = read(fd, b, sizeof b);
    if (r > 0) { ssize_t w = write(fd, b, r); (void)w; }
}
static void ping_cb(evutil_socket_t fd, short what, void *arg) {
    (void)what; (void)arg;
    char b[64];
    ssize_t r = read(fd, b, sizeof b);
    if (r <= 0) return;
    if (++rounds >= rounds_n) { event_base_loopbreak(pp_base); return; }
    ssize_t w = write(fd, b, r); (void)w;
}

static int pingpong_row(long n) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
    pp_base = new_base();
    rounds_n = n;
    struct event *a = event_new(pp_base, sv[0], EV_READ | EV_PERSIST, ping_cb, NULL);
    struct event *b = event_new(pp_base, sv[1], EV_READ | EV_PERSIST, pong_cb, NULL);
    event_add(a, NULL);
    event_add(b, NULL);
    char m[64] = {0};
    double t = now();
    ssize_t w = write(sv[0], m, 64); (void)w;
    event_base_dispatch(pp_base);
    result(rounds / (now() - t), "roundtrips/s");
    event_free(a); event_free(b);
    close(sv[0]); close(sv[1]);
    event_base_free(pp_base);
    return rounds == n ? 0 : mismatch("round trips", rounds, n);
}

// ---- two processes: UDP receiver / sender for `ms` milliseconds.
static void stop_timer_cb(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; event_base_loopbreak(arg); }

static int udp_recv_row(int port, int ms) {
    struct event_base *base = new_base();
    int rx = udp_socket(port);
    struct event *ev = event_new(base, rx, EV_READ | EV_PERSIST, udp_read_cb, NULL);
    event_add(ev, NULL);
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    event_base_once(base, -1, EV_TIMEOUT, stop_timer_cb, base, &tv);
    printf("READY\n");
    fflush(stdout);
    event_base_dispatch(base);
    result(udp_received, "datagrams");
    return 0;
}

// Sends at `rate` datagrams/s (0: as fast as it can), in bursts of 256 between passes of
// its own loop (as every sender runs its loop between bursts).
static int udp_send_row(int port, int ms, long rate) {
    struct event_base *base = new_base();
    int tx = udp_socket(0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char payload[64] = {0};
    long sent = 0;
    double start = now(), end = start + ms / 1000.0, t;
    while ((t = now()) < end) {
        if (rate > 0 && sent >= rate * (t - start)) continue;
        for (int i = 0; i < 256; ++i)
            if (sendto(tx, payload, 64, 0, (struct sockaddr *)&to, sizeof to) == 64) ++sent;
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
    result(sent, "datagrams");
    event_base_free(base);
    return 0;
}

// ---- two processes: bulk transfer over a Unix stream socket at `path`.
static int unix_listen(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1) < 0) return -1;
    return fd;
}

static long long bulk_got, bulk_bytes;
static double bulk_start;
static void bulk_read_cb(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    static char buffer[1 << 16];
    for (;;) {
        ssize_t r = read(fd, buffer, sizeof buffer);
        if (r > 0) {
            if (bulk_got == 0) bulk_start = now();
            bulk_got += r;
            continue;
        }
        if (r == 0 || (errno != EAGAIN && errno != EINTR) || bulk_got >= bulk_bytes) event_base_loopbreak(arg);
        return;
    }
}

static int bulk_server_row(const char *path, long long bytes) {
    int lfd = unix_listen(path);
    if (lfd < 0) return 3;
    printf("READY\n");
    fflush(stdout);
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
    struct event_base *base = new_base();
    bulk_bytes = bytes;
    struct event *ev = event_new(base, fd, EV_READ | EV_PERSIST, bulk_read_cb, base);
    event_add(ev, NULL);
    event_base_dispatch(base);
    result(bulk_got / (now() - bulk_start) / 1e9, "GB/s");
    unlink(path);
    return bulk_got == bytes ? 0 : 1;
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
        fprintf(stderr, "usage: evpeer <row> <n> [args]\n");
        return 2;
    }
    const char *row = argv[1];
    long n = atol(argv[2]);
    if (!strcmp(row, "emit0")) return emit_row(0, n);
    if (!strcmp(row, "emit1")) return emit_row(1, n);
    if (!strcmp(row, "emit10")) return emit_row(10, n);
    // libevent has one way to run its queue: event_base_loop, so the -exec rows are the same.
    if (!strcmp(row, "queued") || !strcmp(row, "queued-exec")) return queued_row(n);
    if (!strcmp(row, "post") || !strcmp(row, "post-exec")) return post_row(n);
    if (!strcmp(row, "chained")) return chained_row(n, 0);
    if (!strcmp(row, "chained-busy")) return chained_row(n, 1);
    if (!strcmp(row, "crossthread")) return crossthread_row(n, 0);
    if (!strcmp(row, "crossthread-split")) return crossthread_row(n, 1);
    if (!strcmp(row, "timers")) return timers_row(n);
    if (!strcmp(row, "udp64")) return udp_row(n, 64);
    if (!strcmp(row, "udp1200")) return udp_row(n, 1200);
    if (!strcmp(row, "pingpong")) return pingpong_row(n);
    if (!strcmp(row, "udp-recv")) return udp_recv_row((int)n, atoi(argv[3]));
    if (!strcmp(row, "udp-send")) return udp_send_row((int)n, atoi(argv[3]), argc > 4 ? atol(argv[4]) : 0);
    if (!strcmp(row, "bulk-server")) return bulk_server_row(argv[3], n);
    if (!strcmp(row, "bulk-client")) return bulk_client_row(argv[3], n);
    fprintf(stderr, "unknown row %s\n", row);
    return 2;
}
