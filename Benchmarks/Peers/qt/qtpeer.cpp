// The Qt 6 side of `make bench-compare`: the same work as Benchmarks/Sources/QKitPeer, written
// against Qt 6 (QtCore + QtNetwork). Usage: qtpeer <row> <n> [args]; prints "RESULT <value> <unit>".
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEvent>
#include <QEventLoop>
#include <QLocalServer>
#include <QLocalSocket>
#include <QNetworkDatagram>
#include <QObject>
#include <QThread>
#include <QTimer>
#include <QUdpSocket>
#include <QSocketNotifier>
#include <QVariant>
#include <atomic>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>

class Source : public QObject {
    Q_OBJECT
signals:
    void value(int v);
};

class Sink : public QObject {
    Q_OBJECT
public:
    long long total = 0;
public slots:
    void take(int v) { total += v; }
};

class CustomSink : public QObject {
public:
    long long count = 0;
protected:
    void customEvent(QEvent *) override { ++count; }
};

class Ticker : public QObject {
public:
    long long fired = 0;
protected:
    void timerEvent(QTimerEvent *) override { ++fired; }
};

static void result(double value, const char *unit) {
    std::printf("RESULT %.6g %s\n", value, unit);
    std::fflush(stdout);
}

static double seconds(const QElapsedTimer &t) { return double(t.nsecsElapsed()) / 1e9; }

// A count that differs from the work asked for: the runner marks the cell failed.
static int mismatch(const char *what, long long got, long long expected) {
    std::printf("count mismatch: %s %lld, expected %lld\n", what, got, expected);
    std::fflush(stdout);
    return 4;
}

static void pinThread(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// A parent that observes its child events (as a Qt parent always receives them).
class ObservingParent : public QObject {
public:
    long long added = 0;
protected:
    void childEvent(QChildEvent *e) override { if (e->added()) ++added; }
};
static int emitRow(int count, long n) {
    Source source;
    Sink sink;
    for (int i = 0; i < count; ++i)
        QObject::connect(&source, &Source::value, &sink, &Sink::take);
    QElapsedTimer t;
    t.start();
    for (long i = 0; i < n; ++i) emit source.value(int(i));
    result(double(t.nsecsElapsed()) / double(n), "ns/emit");
    long long expected = 0;
    for (long i = 0; i < n; ++i) expected += int(i);
    return sink.total == expected * count ? 0 : mismatch("slot sum", sink.total, expected * count);
}

// Bursts of 1000 queued calls, then sendPostedEvents, or (`exec`) the event loop runs until
// they and a final queued quit ran.
static void drain(QEventLoop &loop, bool exec) {
    if (!exec) {
        QCoreApplication::sendPostedEvents();
        return;
    }
    QMetaObject::invokeMethod(&loop, &QEventLoop::quit, Qt::QueuedConnection);
    loop.exec();
}

static int queuedRow(long n, bool exec) {
    Source source;
    Sink sink;
    QEventLoop loop;
    QObject::connect(&source, &Source::value, &sink, &Sink::take, Qt::QueuedConnection);
    QElapsedTimer t;
    t.start();
    for (long left = n; left > 0; left -= 1000) {
        for (long i = 0; i < std::min(left, 1000L); ++i) emit source.value(1);
        drain(loop, exec);
    }
    result(double(n) / seconds(t), "calls/s");
    return sink.total == n ? 0 : mismatch("calls", sink.total, n);
}

// Bursts of 1000 posted custom events, drained as above.
static int postRow(long n, bool exec) {
    CustomSink sink;
    QEventLoop loop;
    QElapsedTimer t;
    t.start();
    for (long left = n; left > 0; left -= 1000) {
        for (long i = 0; i < std::min(left, 1000L); ++i)
            QCoreApplication::postEvent(&sink, new QEvent(QEvent::User));
        drain(loop, exec);
    }
    result(double(n) / seconds(t), "events/s");
    return sink.count == n ? 0 : mismatch("events", sink.count, n);
}

// `busy`: a socket notifier (on an idle socketpair) and a 1 s timer stay registered, so the
// loop has descriptors and a timer to look at while the chain runs.
static int chainedRow(long n, bool busy) {
    int pair[2] = {-1, -1};
    QSocketNotifier *notifier = nullptr;
    QTimer *timer = nullptr;
    if (busy) {
        socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
        notifier = new QSocketNotifier(pair[0], QSocketNotifier::Read);
        timer = new QTimer;
        timer->start(1000);
    }
    Source source;
    QObject context;
    long done = 0;
    QEventLoop loop;
    QObject::connect(&source, &Source::value, &context, [&](int v) {
        if (++done < n) emit source.value(v); else loop.quit();
    }, Qt::QueuedConnection);
    QElapsedTimer t;
    t.start();
    emit source.value(1);
    loop.exec();
    result(double(n) / seconds(t), "calls/s");
    delete notifier;
    delete timer;
    if (busy) { close(pair[0]); close(pair[1]); }
    return done == n ? 0 : mismatch("calls", done, n);
}

// A worker thread emits n queued calls to a receiver in the main loop (one connection; the
// receiver counts and quits). `split`: the worker on CPU 0, the loop on CPU 1.
static int crossThreadRow(long n, bool split) {
    if (split) pinThread(1);
    Source source;
    Sink sink;
    QEventLoop loop;
    QObject::connect(&source, &Source::value, &sink, [&](int v) { sink.total += v; if (sink.total >= n) loop.quit(); },
                     Qt::QueuedConnection);
    QThread *worker = QThread::create([&] {
        if (split) pinThread(0);
        for (long i = 0; i < n; ++i) emit source.value(1);
    });
    QElapsedTimer t;
    t.start();
    worker->start();
    loop.exec();
    double s = seconds(t);
    worker->wait();
    delete worker;
    result(double(n) / s, "calls/s");
    return sink.total == n ? 0 : mismatch("calls", sink.total, n);
}

// Calls from another thread whose caller waits for each to run (BlockingQueuedConnection),
// the Qt form of an awaited call to an actor pinned to a thread: a caller QThread makes n
// functor calls into a counter living in a worker QThread.
class Counter : public QObject {
public:
    long long total = 0;
};

static int blockingCallRow(long n) {
    QThread worker;
    worker.start();
    Counter counter;
    counter.moveToThread(&worker);
    QThread *caller = QThread::create([&] {
        for (long i = 0; i < n; ++i)
            QMetaObject::invokeMethod(&counter, [&] { counter.total += 1; }, Qt::BlockingQueuedConnection);
    });
    QElapsedTimer t;
    t.start();
    caller->start();
    caller->wait();
    double s = seconds(t);
    delete caller;
    worker.quit();
    worker.wait();
    if (counter.total != n) {
        std::printf("count mismatch: the counter ran %lld of %ld calls\n", counter.total, n);
        return 4;
    }
    result(double(n) / s, "calls/s");
    return 0;
}

// `observed`: the parent overrides childEvent (Qt sends ChildAdded to every parent anyway).
static int treeRow(long n, bool observed) {
    long long children = 0;
    QElapsedTimer t;
    t.start();
    for (long r = 0; r < n / 1000; ++r) {
        QObject *parent = observed ? new ObservingParent : new QObject;
        for (int i = 0; i < 1000; ++i) new QObject(parent);
        children += observed ? static_cast<ObservingParent *>(parent)->added : parent->children().size();
        delete parent;
    }
    result(double(n / 1000 * 1001) / seconds(t), "objects/s");
    return children == n / 1000 * 1000 ? 0 : mismatch("children", children, n / 1000 * 1000);
}

// n timers (10,000 when n <= 1) of 1-10 ms for one second.
static int timersRow(long n) {
    Ticker ticker;
    double expected = 0;
    for (long i = 0; i < (n > 1 ? n : 10000); ++i) {
        int interval = 1 + i % 10;
        ticker.startTimer(interval, Qt::PreciseTimer);
        expected += 1000.0 / interval;
    }
    QEventLoop loop;
    QTimer::singleShot(1000, Qt::PreciseTimer, &loop, &QEventLoop::quit);
    loop.exec();
    result(100.0 * double(ticker.fired) / expected, "%delivered");
    return 0;
}

// One thread, as QKit's probe: a 0 ms timer sends bursts (at most ~256 in flight), the
// receiver drains on readyRead.
static int udpRow(long n, int size) {
    QUdpSocket receiver, sender;
    receiver.bind(QHostAddress::LocalHost, 0);
    receiver.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, QVariant(4 << 20));
    sender.bind(QHostAddress::LocalHost, 0);
    QByteArray payload(size, 'x');
    char buffer[2048];
    QHostAddress from;
    quint16 fromPort = 0;
    long received = 0, sent = 0;
    QEventLoop loop;
    QObject::connect(&receiver, &QUdpSocket::readyRead, [&] {
        // With the sender's address and port, as every side's reader gets them.
        while (receiver.readDatagram(buffer, sizeof buffer, &from, &fromPort) >= 0) ++received;
        if (received >= n) loop.quit();
    });
    QTimer pump;
    QObject::connect(&pump, &QTimer::timeout, [&] {
        long burst = std::min(256L, n - sent) - std::max(0L, sent - received - 256);
        for (long i = 0; i < burst; ++i) sender.writeDatagram(payload, QHostAddress::LocalHost, receiver.localPort());
        if (burst > 0) sent += burst;
        if (sent >= n) pump.stop();
    });
    pump.start(0);
    QElapsedTimer t;
    t.start();
    loop.exec();
    result(double(received) / seconds(t), "datagrams/s");
    return received == n && sent == n ? 0 : mismatch("datagrams received", received, n);
}

static int pingPongRow(long n) {
    QLocalServer server;
    QString name = QString("qkit-bench-qt-%1").arg(QCoreApplication::applicationPid());
    QLocalServer::removeServer(name);
    server.listen(name);
    QLocalSocket client;
    client.connectToServer(name);
    client.waitForConnected();
    server.waitForNewConnection(1000);
    QLocalSocket *peer = server.nextPendingConnection();
    QByteArray message(64, 'p');
    long rounds = 0;
    QEventLoop loop;
    QObject::connect(peer, &QLocalSocket::readyRead, [&] {
        QByteArray got = peer->readAll();
        peer->write(got);
    });
    QByteArray pending;
    QObject::connect(&client, &QLocalSocket::readyRead, [&] {
        pending += client.readAll();
        while (pending.size() >= 64) {
            pending.remove(0, 64);
            if (++rounds >= n) { loop.quit(); return; }
            client.write(message);
        }
    });
    QElapsedTimer t;
    t.start();
    client.write(message);
    loop.exec();
    result(double(rounds) / seconds(t), "roundtrips/s");
    server.close();
    return rounds == n ? 0 : mismatch("round trips", rounds, n);
}

// Two processes: udp-recv <port> <ms> counts datagrams for ms; udp-send <port> <ms> sends.
static int udpRecvRow(int port, int ms) {
    QUdpSocket socket;
    if (!socket.bind(QHostAddress::LocalHost, quint16(port))) return 3;
    long received = 0;
    char buffer[2048];
    QHostAddress from;
    quint16 fromPort = 0;
    // The same API as every receiver: read into a reused buffer, with the sender, until none
    // is pending.
    QObject::connect(&socket, &QUdpSocket::readyRead, [&] {
        while (socket.readDatagram(buffer, sizeof buffer, &from, &fromPort) >= 0) ++received;
    });
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    std::printf("READY\n");
    std::fflush(stdout);
    loop.exec();
    result(double(received), "datagrams");
    return 0;
}

// Sends at `rate` datagrams/s (0: as fast as it can), in bursts of 256 between loop passes.
static int udpSendRow(int port, int ms, long rate) {
    QUdpSocket socket;
    QByteArray payload(64, 'x');
    long sent = 0;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        if (rate > 0 && double(sent) >= double(rate) * double(t.nsecsElapsed()) / 1e9) continue;
        for (int i = 0; i < 256; ++i)
            if (socket.writeDatagram(payload, QHostAddress::LocalHost, quint16(port)) == 64) ++sent;
        QCoreApplication::processEvents();
    }
    result(double(sent), "datagrams");
    return 0;
}

// Two processes: bulk-server <name> <bytes> accepts one client and reads; bulk-client writes.
static int bulkServerRow(const char *name, long long bytes) {
    QLocalServer server;
    QLocalServer::removeServer(name);
    if (!server.listen(name)) return 3;
    std::printf("READY\n");
    std::fflush(stdout);
    if (!server.waitForNewConnection(30000)) return 1;
    QLocalSocket *peer = server.nextPendingConnection();
    long long got = 0;
    QElapsedTimer t;
    QEventLoop loop;
    static char buffer[1 << 16];
    // The same API as every server: read into a reused 64 KiB buffer until none is left.
    QObject::connect(peer, &QLocalSocket::readyRead, [&] {
        if (got == 0) t.start();
        for (qint64 r; (r = peer->read(buffer, sizeof buffer)) > 0;) got += r;
        if (got >= bytes) loop.quit();
    });
    QObject::connect(peer, &QLocalSocket::disconnected, &loop, &QEventLoop::quit);
    loop.exec();
    result(double(got) / seconds(t) / 1e9, "GB/s");
    return got == bytes ? 0 : 1;
}

static int bulkClientRow(const char *name, long long bytes) {
    QLocalSocket socket;
    socket.connectToServer(name);
    if (!socket.waitForConnected(10000)) return 3;
    QByteArray chunk(256 * 1024, 'b');
    long long queued = 0;
    QEventLoop loop;
    auto refill = [&] {
        while (queued < bytes && socket.bytesToWrite() < 4 * chunk.size()) {
            socket.write(chunk.constData(), std::min<long long>(chunk.size(), bytes - queued));
            queued += std::min<long long>(chunk.size(), bytes - queued);
        }
        if (queued >= bytes && socket.bytesToWrite() == 0) loop.quit();
    };
    QObject::connect(&socket, &QLocalSocket::bytesWritten, refill);
    refill();
    loop.exec();
    socket.disconnectFromServer();
    if (socket.state() != QLocalSocket::UnconnectedState) socket.waitForDisconnected(10000);
    result(double(queued), "bytes");
    return 0;
}

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    if (argc < 3) {
        std::fprintf(stderr, "usage: qtpeer <row> <n> [args]\n");
        return 2;
    }
    const char *row = argv[1];
    long n = std::atol(argv[2]);
    if (!std::strcmp(row, "emit0")) return emitRow(0, n);
    if (!std::strcmp(row, "emit1")) return emitRow(1, n);
    if (!std::strcmp(row, "emit10")) return emitRow(10, n);
    if (!std::strcmp(row, "queued")) return queuedRow(n, false);
    if (!std::strcmp(row, "queued-exec")) return queuedRow(n, true);
    if (!std::strcmp(row, "post")) return postRow(n, false);
    if (!std::strcmp(row, "post-exec")) return postRow(n, true);
    if (!std::strcmp(row, "chained")) return chainedRow(n, false);
    if (!std::strcmp(row, "chained-busy")) return chainedRow(n, true);
    if (!std::strcmp(row, "crossthread")) return crossThreadRow(n, false);
    if (!std::strcmp(row, "crossthread-split")) return crossThreadRow(n, true);
    if (!std::strcmp(row, "tree")) return treeRow(n, false);
    if (!std::strcmp(row, "tree-observed")) return treeRow(n, true);
    if (!std::strcmp(row, "actor-call") || !std::strcmp(row, "actor-call-loop")) return blockingCallRow(n);
    if (!std::strcmp(row, "timers")) return timersRow(n);
    if (!std::strcmp(row, "udp64")) return udpRow(n, 64);
    if (!std::strcmp(row, "udp1200")) return udpRow(n, 1200);
    if (!std::strcmp(row, "pingpong")) return pingPongRow(n);
    if (!std::strcmp(row, "udp-recv")) return udpRecvRow(int(n), std::atoi(argv[3]));
    if (!std::strcmp(row, "udp-send")) return udpSendRow(int(n), std::atoi(argv[3]), argc > 4 ? std::atol(argv[4]) : 0);
    if (!std::strcmp(row, "bulk-server")) return bulkServerRow(argv[3], n);
    if (!std::strcmp(row, "bulk-client")) return bulkClientRow(argv[3], n);
    std::fprintf(stderr, "unknown row %s\n", row);
    return 2;
}

#include "qtpeer.moc"
