#!/usr/bin/env python3
"""`make bench-compare`: QKit, Qt 6, SwiftNIO, raw libevent and the syscall floor doing the
same work, in one run.

Builds the QKit probe and the SwiftNIO peer (release) and the C/C++ peers (Peers/Makefile),
runs every row several times with the implementations interleaved inside each repetition,
prints a table (median, min, max; QKit/Qt, QKit/NIO, QKit/raw and QKit/floor as speed ratios,
> 1 means QKit is faster) and writes Benchmarks/report.md and Benchmarks/report.svg. Qt runs
twice: with Debian's default glib dispatcher and with QT_NO_GLIB=1; the ratio uses the faster.
Every process verifies the work it counted: a peer that lacks a row exits 2 ("–" in the
table); any other non-zero exit (a count mismatch, say) marks the cell failed and prints why.
"""
import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "Peers", "build")
UDP_RATE = 120_000  # datagrams/s offered by every sender of the two-process UDP row

QKIT, QT_NOGLIB, QT_GLIB, NIO, RAW, FLOOR = "QKit", "Qt 6 (QT_NO_GLIB=1)", "Qt 6 (glib)", "SwiftNIO", "raw libevent", "floor"
NAMES = [QKIT, QT_NOGLIB, QT_GLIB, NIO, RAW, FLOOR]

# key (row[@cpus]: "@-" = not pinned, the row places its threads itself), title, n (full),
# n (quick), lower_is_better, goal, what each side does per unit of work.
ROWS = [
    ("emit0", "emit, 0 slots (ns)", 10_000_000, 5_000_000, True, "≤ 2 ns",
     "one emission through an out-of-line call (QKit: a function wrapping `emit`; Qt: the moc "
     "signal function; raw: a loop over a volatile slot table)"),
    ("emit1", "emit, 1 receiver slot (ns)", 10_000_000, 5_000_000, True, "≥ 4× Qt",
     "QKit: `connect(receiver:)` slot on a QObject; Qt: member-function slot on a receiver "
     "QObject; raw: an indirect call. Each sums the arguments and checks the sum"),
    ("emit10", "emit, 10 receiver slots (ns)", 2_000_000, 1_000_000, True, "≥ 4× Qt", "as above, 10 connections"),
    ("queued", "queued calls, same thread, sendPostedEvents (calls/s)", 2_000_000, 1_000_000, False, "≥ 3× Qt",
     "bursts of 1,000 queued signal calls to a receiver slot, drained by sendPostedEvents (raw, "
     "also the floor: event_active on 1,000 events, then one non-blocking loop pass)"),
    ("queued-exec", "queued calls, same thread, through exec() (calls/s)", 2_000_000, 1_000_000, False, "≥ 3× Qt",
     "bursts of 1,000 queued calls plus a queued quit, then the event loop runs until they ran "
     "(NIO: 1,000 `execute` closures, then its loop runs them)"),
    ("chained", "queued calls chained (calls/s)", 1_000_000, 500_000, False, "≥ 5 M/s",
     "each queued call queues the next (NIO: each `execute` closure executes the next)"),
    ("chained-busy", "chained, with a socket notifier and a timer registered (calls/s)", 1_000_000, 500_000, False,
     "≥ 5 M/s", "as above, with a read watch on an idle socketpair and a 1 s repeating timer registered"),
    ("crossthread@1", "queued calls across threads, one CPU (calls/s)", 1_000_000, 500_000, False, "≥ 2× Qt",
     "a worker thread emits n queued calls (one connection) to a receiver in the main loop, both on "
     "CPU 1 (NIO: `execute` from the main thread to a loop thread; raw: a locked counter and "
     "event_active on empty → non-empty)"),
    ("crossthread-split@-", "queued calls across threads, two CPUs (calls/s)", 1_000_000, 500_000, False, "≥ 2× Qt",
     "as above, the worker pinned to CPU 0 and the loop to CPU 1"),
    ("post", "postEvent, custom event, sendPostedEvents (events/s)", 2_000_000, 1_000_000, False, "≥ 2× Qt",
     "bursts of 1,000 postEvent of a new custom event, drained by sendPostedEvents (raw: "
     "event_base_once)"),
    ("post-exec", "postEvent, custom event, through exec() (events/s)", 2_000_000, 1_000_000, False, "≥ 2× Qt",
     "bursts of 1,000 postEvent plus a queued quit, then the event loop runs until they ran"),
    ("tree", "object tree, 1 + 1000 children (objects/s)", 2_000_000, 1_000_000, False, "≥ 1.5× Qt",
     "a plain parent with 1,000 children, created and deleted (QKit skips ChildAdded for a plain "
     "parent with no filters; Qt always sends it)"),
    ("tree-observed", "object tree, parent observing child events (objects/s)", 2_000_000, 1_000_000, False,
     "≥ 1.5× Qt", "the parent overrides childEvent: ChildAdded built and delivered on both sides"),
    ("timers", "10,000 timers 1-10 ms for 1 s (% delivered)", 1, 1, False, "≥ 0.99× raw",
     "10,000 repeating precise timers of 1-10 ms run for 1 s (NIO: scheduleRepeatedTask)"),
    ("timers100k", "100,000 timers 1-10 ms for 1 s (% delivered)", 100_000, 100_000, False, "≥ raw",
     "as above with 100,000 timers (29 M timeouts/s asked: no one keeps up; the share delivered compares)"),
    ("udp64", "UDP 64 B loopback, one thread (datagrams/s)", 200_000, 100_000, False, "≥ Qt, ≥ raw",
     "one thread; at most ~256 datagrams in flight; one send call per datagram; the receiver reads "
     "until none is pending, learning each datagram's sender (QKit, Qt and raw: one receive call per "
     "datagram into the reader's buffer, with the sender's address: QKit `readDatagram(into:)`, Qt "
     "`readDatagram(data, size, &address, &port)`, raw `recvfrom`; NIO batches with recvmmsg inside; "
     "floor: sendmmsg and recvmmsg with sender addresses, no loop)"),
    ("udp1200", "UDP 1200 B loopback, one thread (datagrams/s)", 200_000, 100_000, False, "≥ Qt, ≥ raw",
     "as above, 1200-byte datagrams"),
    ("udp64-batch", "UDP 64 B loopback, one thread, batch API (datagrams/s)", 200_000, 100_000, False,
     "≥ 0.9× floor", "as above through each side's batch API: QKit `writeDatagrams` (equal-size runs to "
     "one peer as segmented sends, UDP GSO; otherwise sendmmsg) and "
     "`readDatagrams(maxCount:)` (recvmmsg); NIO: the burst's writes, then one flush (sendmmsg); Qt "
     "and raw libevent have none"),
    ("udp1200-batch", "UDP 1200 B loopback, one thread, batch API (datagrams/s)", 200_000, 100_000, False,
     "≥ 0.9× floor", "as above, 1200-byte datagrams"),
    ("udp64-gso", "UDP 64 B loopback, one thread, batch API, floor with GSO (datagrams/s)", 200_000, 100_000, False,
     "–", "QKit as in the batch row (its equal-size runs go as segmented sends); the floor sends each "
     "burst of up to 64 with one sendmsg and UDP_SEGMENT, then recvmmsg, no loop: the fair floor for "
     "QKit's batch rows"),
    ("udp1200-gso", "UDP 1200 B loopback, one thread, batch API, floor with GSO (datagrams/s)", 200_000, 100_000,
     False, "–", "as above, 1200-byte datagrams (54 per segmented send)"),
    ("pingpong", "local socket 64 B ping-pong, one thread (round trips/s)", 100_000, 50_000, False, "≥ 0.95× raw",
     "both ends in one thread's loop (QKit/Qt: QLocalServer + QLocalSocket; NIO: Unix-domain "
     "bootstraps; raw: a socketpair under libevent; floor: a blocking socketpair, write/read "
     "in turn with no loop)"),
    ("actor-call-loop", "awaited calls between two loop threads, one CPU (calls/s)", 100_000, 50_000, False,
     "≥ 1.5× Qt, ≥ NIO", "QKit and NIO: an actor on loop thread A awaits a method of an actor on "
     "loop thread B (QThread.executor / EventLoop.executor) and touches its own state after each "
     "call; Qt: a QThread calls a functor in another QThread with Qt::BlockingQueuedConnection"),
    ("actor-call-loop@0,1", "awaited calls between two loop threads, two CPUs (calls/s)", 20_000, 10_000, False,
     "≥ 1.5× Qt, ≥ NIO", "as above, the process on CPUs 0 and 1"),
    ("actor-call", "awaited actor calls from Swift's pool (calls/s)", 100_000, 50_000, False, "≥ NIO",
     "QKit and NIO: a task on Swift's cooperative pool awaits an actor method on a loop thread; "
     "Qt: as above (a thread's blocking queued call)"),
]

# QKit-only rows: Swift concurrency forms compared with what a Swift user would write instead.
QKIT_ONLY = [
    ("signal-values", "`for await` over signal.values, 1,000 emitted then 1,000 awaited (values/s)", 400_000, 200_000),
    ("asyncstream-slot", "the same through an AsyncStream fed by a closure slot (values/s)", 400_000, 200_000),
    ("main-yield", "main-actor Task.yield hops on the main loop (hops/s)", 400_000, 200_000),
]

TIMEOUTS = {"timers": 15, "timers100k": 15}
# The floor of in-loop dispatch is libevent's own event_active dispatch (the raw column).
FLOOR_IS_RAW = {"queued", "queued-exec", "chained", "chained-busy"}
FAILURES = {}


def run(cmd, env=None, timeout=120, cell=None):
    """The RESULT value, or None: exit 2 means the peer lacks the row; any other failure is
    recorded in FAILURES under `cell` and printed."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        FAILURES[cell] = f"did not finish in {timeout} s"
        print(f"    FAILED {' '.join(cmd)}: did not finish in {timeout} s", flush=True)
        return None
    if out.returncode == 2:
        return None
    if out.returncode != 0:
        tail = (out.stdout.strip().splitlines() or out.stderr.strip().splitlines() or ["(no output)"])[-1]
        FAILURES[cell] = f"exit {out.returncode}: {tail}"
        print(f"    FAILED {' '.join(cmd)}: exit {out.returncode}: {tail}", flush=True)
        return None
    for line in out.stdout.splitlines():
        if line.startswith("RESULT "):
            return float(line.split()[1])
    return None


def impls(probe, nio):
    glib = dict(os.environ)
    glib.pop("QT_NO_GLIB", None)
    noglib = dict(os.environ, QT_NO_GLIB="1")
    qt = os.path.join(PEERS, "qtpeer")
    return [
        (QKIT, [probe], None),
        (QT_NOGLIB, [qt], noglib),
        (QT_GLIB, [qt], glib),
        (NIO, [nio], None),
        (RAW, [os.path.join(PEERS, "evpeer")], None),
        (FLOOR, [os.path.join(PEERS, "floorpeer")], None),
    ]


def peer_row(key):
    """(the row the peers know, the taskset prefix)."""
    row, _, placement = key.partition("@")
    if row == "timers100k":
        row = "timers"
    if placement == "-":
        return row, []
    return row, ["taskset", "-c", placement or "1"]


def one_process_rows(probe, nio, reps, quick):
    results = {}
    for key, title, full, small, lower, goal, _ in ROWS:
        n = small if quick else full
        row, cpus = peer_row(key)
        timeout = TIMEOUTS.get(key, 120)
        for name, _, _ in impls(probe, nio):
            results[(key, name)] = []
        # Interleaved: every implementation once per repetition.
        for _ in range(reps):
            for name, cmd, env in impls(probe, nio):
                if (key, name) in FAILURES:
                    continue
                v = run(cpus + cmd + [row, str(n)], env=env, timeout=timeout, cell=(key, name))
                if v is not None:
                    results[(key, name)].append(v)
        if key in FLOOR_IS_RAW:
            results[(key, FLOOR)] = results[(key, RAW)]
        for name, _, _ in impls(probe, nio):
            values = results[(key, name)]
            shown = "failed" if (key, name) in FAILURES else (f"{statistics.median(values):.4g}" if values else "–")
            print(f"  {title:<60} {name:<20} {shown}", flush=True)
    for key, title, full, small in QKIT_ONLY:
        values = [v for v in (run(["taskset", "-c", "1", probe, key, str(small if quick else full)], cell=(key, QKIT))
                              for _ in range(reps)) if v is not None]
        results[(key, QKIT)] = values
        print(f"  {title:<60} {QKIT:<20} {statistics.median(values) if values else '–'}", flush=True)
    return results


def two_process(cmd_recv, cmd_send, env, cell, ready_timeout=10, usage=None):
    """The receiver's and the sender's RESULT values. With `usage` (a list), appends the
    receiver's CPU seconds and its voluntary context switches (each a sleep in its event loop),
    read from the children's rusage once the sender was reaped and again once the receiver was."""
    receiver = subprocess.Popen(cmd_recv, stdout=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + ready_timeout
    line = ""
    while time.time() < deadline:
        line = receiver.stdout.readline()
        if line.strip() == "READY" or line == "":
            break
    sender_value = run(cmd_send, env=env, cell=cell)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    rest = receiver.communicate(timeout=120)[0]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if usage is not None:
        usage += [after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                  after.ru_nvcsw - before.ru_nvcsw]
    if receiver.returncode not in (0, 2):
        FAILURES[cell] = f"receiver exit {receiver.returncode}: {(rest.strip().splitlines() or ['(no output)'])[-1]}"
    recv_value = None
    for l in rest.splitlines():
        if l.startswith("RESULT "):
            recv_value = float(l.split()[1])
    return recv_value, sender_value


def udp_two_process(probe, nio, reps):
    # Per implementation: received/s, loss %, receiver CPU µs per datagram, datagrams per
    # receiver sleep (the sender's kernel pays for waking a sleeping receiver).
    rows = {name: ([], [], [], []) for name in NAMES}
    for rep in range(reps):
        for name, cmd, env in impls(probe, nio):
            if name == FLOOR:
                continue
            port = str(47000 + rep)
            usage = []
            got, sent = two_process(["taskset", "-c", "0"] + cmd + ["udp-recv", port, "3000"],
                                    ["taskset", "-c", "1"] + cmd + ["udp-send", port, "2000", str(UDP_RATE)], env,
                                    ("udp2", name), usage=usage)
            if got is not None and sent:
                if got > sent:
                    FAILURES[("udp2", name)] = f"received {got:.0f} of {sent:.0f} sent"
                    continue
                rows[name][0].append(got / 2.0)
                rows[name][1].append(100.0 * max(0.0, 1 - got / sent))
                if got > 0:
                    rows[name][2].append(usage[0] / got * 1e6)
                    rows[name][3].append(got / max(1, usage[1]))
    for name in NAMES:
        rates, losses, cpu, per_sleep = rows[name]
        if rates:
            print(f"  UDP two processes ({UDP_RATE // 1000} k/s offered) {name:<20} "
                  f"{statistics.median(rates):.4g}/s, loss {statistics.median(losses):.1f} %, receiver "
                  f"{statistics.median(cpu):.2f} µs CPU and 1 sleep per {statistics.median(per_sleep):.1f} "
                  "datagrams", flush=True)
    return rows


def bulk(probe, nio, reps, quick):
    size = (256 if quick else 1024) * 1024 * 1024
    rows = {}
    for placement, (server_cpu, client_cpu) in (("same CPU", ("0", "0")), ("different CPUs", ("0", "1"))):
        for name in NAMES:
            rows[(placement, name)] = []
        for rep in range(reps):
            for name, cmd, env in impls(probe, nio):
                path = f"/tmp/qkit-bulk-{os.getpid()}-{rep}"
                got, _ = two_process(["taskset", "-c", server_cpu] + cmd + ["bulk-server", str(size), path],
                                     ["taskset", "-c", client_cpu] + cmd + ["bulk-client", str(size), path], env,
                                     (f"bulk, {placement}", name))
                if got is not None:
                    rows[(placement, name)].append(got)
        for name in NAMES:
            values = rows[(placement, name)]
            if values:
                print(f"  local bulk {size >> 20} MiB, {placement:<15} {name:<20} {statistics.median(values):.3g} GB/s",
                      flush=True)
    return rows, size


def fmt(values, lower, cell=None, unit=""):
    if cell in FAILURES:
        return f"failed ({FAILURES[cell]})"
    if not values:
        return "–"
    med = statistics.median(values)

    def f(v):
        if lower or unit:
            return f"{v:.2f}"
        if v >= 1e6:
            return f"{v / 1e6:.2f} M"
        if v >= 1e3:
            return f"{v / 1e3:.1f} k"
        return f"{v:.3g}"
    return f"{f(med)}{unit} ({f(min(values))}–{f(max(values))})"


def speed_ratio(a, b, lower):
    if not a or not b:
        return None
    ma, mb = statistics.median(a), statistics.median(b)
    if ma == 0 or mb == 0:
        return None
    return mb / ma if lower else ma / mb


def faster(a, b, lower):
    if not a:
        return b
    if not b:
        return a
    ma, mb = statistics.median(a), statistics.median(b)
    return a if ((ma < mb) if lower else (ma > mb)) else b


def ratio_text(r):
    return f"{r:.2f}" if r else "–"


def svg(chart_rows, path):
    # Horizontal bars: QKit speed / Qt speed per row, linear scale capped at 20x.
    width, left, bar_h, gap = 960, 420, 18, 8
    height = 60 + len(chart_rows) * (bar_h + gap)
    cap = min(max([r for _, r in chart_rows if r] + [2.0]), 20.0)
    scale = (width - left - 80) / cap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             f'<text x="10" y="20" font-size="14" font-weight="bold">QKit speed ÷ Qt 6 speed (same machine, same run; &gt; 1 = QKit faster)</text>']
    x1 = left + scale * 1.0
    parts.append(f'<line x1="{x1:.1f}" y1="30" x2="{x1:.1f}" y2="{height - 10}" stroke="#444" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{x1 + 3:.1f}" y="42" fill="#444">1×</text>')
    y = 50
    for label, ratio in chart_rows:
        parts.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{label}</text>')
        if ratio:
            w = scale * min(ratio, cap)
            colour = "#2a7" if ratio >= 1 else "#c44"
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour}"/>')
            parts.append(f'<text x="{left + w + 4:.1f}" y="{y + 13}">{ratio:.2f}×</text>')
        else:
            parts.append(f'<text x="{left + 4}" y="{y + 13}" fill="#888">n/a</text>')
        y += bar_h + gap
    parts.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(parts) + "\n")


def cpu_busy_seconds():
    """Busy CPU seconds of the whole machine so far (all CPUs, from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields) - idle) / os.sysconf("SC_CLK_TCK")


def machine_lines():
    """Kernel, CPU vulnerability mitigations and the UDP receive-buffer ceiling."""
    vuln_dir = "/sys/devices/system/cpu/vulnerabilities"
    vulns = []
    if os.path.isdir(vuln_dir):
        for name in sorted(os.listdir(vuln_dir)):
            with open(os.path.join(vuln_dir, name)) as f:
                vulns.append(f"{name}: {f.read().strip()}")
    try:
        rmem = open("/proc/sys/net/core/rmem_max").read().strip()
    except OSError:
        rmem = "unknown"
    return [f"Kernel {platform.release()}; net.core.rmem_max {rmem}.",
            f"CPU vulnerabilities: {'; '.join(vulns) if vulns else 'not reported'}."]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=None, help="runs per cell (3; 1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="smaller n, 256 MiB bulk, one run per cell")
    args = parser.parse_args()
    if args.reps is None:
        args.reps = 1 if args.quick else 3

    subprocess.run(["make", "-C", os.path.join(HERE, "Peers")], check=True)
    for product in ("probe", "niopeer"):
        subprocess.run(["swift", "build", "-c", "release", "--product", product, "--package-path", HERE], check=True)
    bin_path = subprocess.run(["swift", "build", "-c", "release", "--package-path", HERE, "--show-bin-path"],
                              capture_output=True, text=True, check=True).stdout.strip()
    probe, nio = os.path.join(bin_path, "probe"), os.path.join(bin_path, "niopeer")
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
                     "unknown CPU")

    started = time.time()
    busy_before, ours_before = cpu_busy_seconds(), os.times()
    print(f"one-process rows ({args.reps} runs each, implementations interleaved):", flush=True)
    results = one_process_rows(probe, nio, args.reps, args.quick)
    print("two-process rows:", flush=True)
    udp = udp_two_process(probe, nio, args.reps)
    bulk_rows, bulk_size = bulk(probe, nio, args.reps, args.quick)
    wall = time.time() - started
    ours_after = os.times()
    ours = (ours_after.children_user + ours_after.children_system + ours_after.user + ours_after.system
            - ours_before.children_user - ours_before.children_system - ours_before.user - ours_before.system)
    others = max(0.0, cpu_busy_seconds() - busy_before - ours)

    qt_version = subprocess.run(["pkg-config", "--modversion", "Qt6Core"], capture_output=True, text=True).stdout.strip()
    ev_version = subprocess.run(["pkg-config", "--modversion", "libevent"], capture_output=True, text=True).stdout.strip()
    lines = ["# QKit vs Qt 6 vs SwiftNIO vs raw libevent vs the syscall floor", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} "
             f"({cpu_model}, {os.cpu_count()} CPUs, {platform.machine()}), Qt {qt_version}, SwiftNIO 2.101, "
             f"libevent {ev_version}; {args.reps} runs per cell{' (quick sizes)' if args.quick else ''}, "
             "implementations interleaved within each run; median (min–max). Ratios compare medians as "
             "speeds: > 1 means QKit is faster. Qt's ratio uses the faster of its two dispatchers. "
             "One-process rows run on CPU 1 unless the row says otherwise. Every process verified its "
             "counts. Reproduce: `make bench-compare`.", ""] + machine_lines() + [
             f"Other processes used {others:.1f} CPU-seconds during the {wall:.0f} s run "
             f"({100 * others / (wall * (os.cpu_count() or 1)):.1f} % of the machine).", "",
             "Same work per unit:", ""]
    for key, title, *_, same in ROWS:
        lines.append(f"- **{title}**: {same}.")
    lines += [f"- **UDP 64 B, two processes**: receiver on CPU 0, sender on CPU 1; every sender offers "
              f"{UDP_RATE:,} datagrams/s in bursts of 256 with a loop pass between bursts; every receiver "
              "reads into a reused buffer, with each datagram's sender, until none is pending. The "
              "receiver's CPU time per datagram and how many datagrams it read per sleep (voluntary "
              "context switches, from the kernel's rusage) are shown: loopback delivery runs in the "
              "sender's system call, so the sender pays for waking a receiver that sleeps, and a "
              "receiver that drains faster sleeps more often and slows its sender.",
              "- **local bulk**: the writer keeps about 1 MiB queued in 256 KiB chunks; the reader reads "
              "into a reused 64 KiB buffer (floor: blocking write and read, no loop).", "",
              "| work | QKit | Qt 6 (QT_NO_GLIB=1) | Qt 6 (glib) | SwiftNIO | raw libevent | floor | QKit/Qt | QKit/NIO | QKit/raw | QKit/floor | goal |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    chart = []
    for key, title, _, _, lower, goal, _ in ROWS:
        q = results.get((key, QKIT), [])
        best_qt = faster(results.get((key, QT_NOGLIB), []), results.get((key, QT_GLIB), []), lower)
        ratios = [speed_ratio(q, best_qt, lower)] + [speed_ratio(q, results.get((key, n), []), lower) for n in (NIO, RAW, FLOOR)]
        cells = " | ".join(fmt(results.get((key, n)), lower, (key, n)) for n in NAMES)
        lines.append(f"| {title} | {cells} | {' | '.join(ratio_text(r) for r in ratios)} | {goal} |")
        chart.append((title, ratios[0]))
    # UDP two processes.
    def udp_cell(name):
        if ("udp2", name) in FAILURES:
            return f"failed ({FAILURES[('udp2', name)]})"
        rates, losses, cpu, per_sleep = udp.get(name, ([], [], [], []))
        if not rates:
            return "–"
        return (f"{fmt(rates, False)}/s, loss {statistics.median(losses):.1f} %; receiver "
                f"{statistics.median(cpu):.2f} µs CPU per datagram, 1 sleep per "
                f"{statistics.median(per_sleep):.1f}")
    uq = udp[QKIT][0]
    ur = [speed_ratio(uq, faster(udp[QT_NOGLIB][0], udp[QT_GLIB][0], False), False),
          speed_ratio(uq, udp[NIO][0], False), speed_ratio(uq, udp[RAW][0], False), None]
    lines.append(f"| UDP 64 B, two processes, {UDP_RATE // 1000} k/s offered: received/s, loss | "
                 f"{' | '.join(udp_cell(n) for n in NAMES)} | {' | '.join(ratio_text(r) for r in ur)} | ≥ Qt, loss ≤ Qt's |")
    chart.append(("UDP 64 B, two processes", ur[0]))
    for placement in ("same CPU", "different CPUs"):
        cells = {n: bulk_rows.get((placement, n), []) for n in NAMES}
        best = faster(cells[QT_NOGLIB], cells[QT_GLIB], False)
        br = [speed_ratio(cells[QKIT], best, False)] + [speed_ratio(cells[QKIT], cells[n], False) for n in (NIO, RAW, FLOOR)]
        goal = "≥ 6 GB/s" if placement == "same CPU" else "≥ 2 GB/s"
        lines.append(f"| local bulk {bulk_size >> 20} MiB, two processes, {placement} (GB/s) | "
                     f"{' | '.join(fmt(cells[n], False, (f'bulk, {placement}', n), unit='') for n in NAMES)} | {' | '.join(ratio_text(r) for r in br)} | {goal} |")
        chart.append((f"local bulk, {placement}", br[0]))
    lines += ["", "QKit alone (Swift concurrency forms, pinned to CPU 1):", "", "| work | QKit |", "|---|---|"]
    for key, title, _, _ in QKIT_ONLY:
        lines.append(f"| {title} | {fmt(results.get((key, QKIT)), False, (key, QKIT))} |")
    r_sv = speed_ratio(results.get(("signal-values", QKIT)), results.get(("asyncstream-slot", QKIT)), False)
    if r_sv:
        lines += ["", f"signal.values / AsyncStream slot: {r_sv:.2f}× (goal ≥ 2×)."]
    if FAILURES:
        lines += ["", "Failed cells:", ""] + [f"- {' / '.join(map(str, k)) if isinstance(k, tuple) else k}: {v}"
                                              for k, v in FAILURES.items()]
    lines += ["", f"Total run time {time.time() - started:.0f} s. Chart: `report.svg` (QKit/Qt per row).", ""]
    report = "\n".join(lines)
    with open(os.path.join(HERE, "report.md"), "w") as f:
        f.write(report)
    svg(chart, os.path.join(HERE, "report.svg"))
    print()
    print(report)


if __name__ == "__main__":
    sys.exit(main())
