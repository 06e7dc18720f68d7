#!/usr/bin/env python3
"""`make bench-compare`: QKit, Qt 6, SwiftNIO and raw libevent doing the same work, in one run.

Builds the QKit probe and the SwiftNIO peer (release) and the C/C++ peers (Peers/Makefile),
runs every row for every implementation several times, prints a table (median, min, max;
QKit/Qt, QKit/NIO and QKit/raw as speed ratios, > 1 means QKit is faster) and writes
Benchmarks/report.md and Benchmarks/report.svg. Qt runs twice: with Debian's default glib
dispatcher and with QT_NO_GLIB=1; the ratio uses the faster. One-process rows run pinned to
CPU 1 unless the row says otherwise; two-process rows say where each side ran. A peer that
lacks a row exits 2 ("–" in the table); any other non-zero exit (a count mismatch, say) marks
the cell failed and prints why.
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "Peers", "build")

# key, title, n (full), n (quick), lower_is_better, goal text
ROWS = [
    ("emit0", "emit, 0 slots (ns)", 20_000_000, 5_000_000, True, "≤ 2 ns"),
    ("emit1", "emit, 1 slot (ns)", 20_000_000, 5_000_000, True, "≤ 10 ns"),
    ("emit10", "emit, 10 slots (ns)", 5_000_000, 1_000_000, True, "≤ 60 ns"),
    ("queued", "queued calls, same thread (calls/s)", 5_000_000, 1_000_000, False, "≥ 15 M/s"),
    ("chained", "queued calls chained (calls/s)", 2_000_000, 500_000, False, "≥ 5 M/s"),
    ("crossthread", "queued calls across threads (calls/s)", 2_000_000, 500_000, False, "≥ 6 M/s"),
    ("post", "postEvent, custom event (events/s)", 5_000_000, 1_000_000, False, "≥ 15 M/s"),
    ("tree", "object tree, 1 + 1000 children (objects/s)", 5_000_000, 1_000_000, False, "≥ 11 M obj/s"),
    ("timers", "10,000 timers 1-10 ms for 1 s (% delivered)", 1, 1, False, "≥ 99 %"),
    ("udp64", "UDP 64 B loopback, one thread (datagrams/s)", 300_000, 100_000, False, "≥ 750 k/s"),
    ("udp1200", "UDP 1200 B loopback, one thread (datagrams/s)", 300_000, 100_000, False, "≥ 700 k/s"),
    ("pingpong", "local socket 64 B ping-pong (round trips/s)", 200_000, 50_000, False, "≥ 250 k/s"),
    ("actor-call-loop", "awaited calls between two loop threads, one CPU (calls/s)", 200_000, 50_000, False,
     "≥ 1.5× Qt, ≥ NIO"),
    ("actor-call-loop@0,1", "awaited calls between two loop threads, two CPUs (calls/s)", 30_000, 10_000, False,
     "≥ 1.5× Qt, ≥ NIO"),
    ("actor-call", "awaited actor calls from Swift's pool (calls/s)", 200_000, 50_000, False, "≥ NIO"),
]

# What each side does per unit of work, for the rows that are not the same call everywhere.
SAME_WORK = {
    "actor-call-loop": "QKit and SwiftNIO: an actor on loop thread A awaits a method of an actor on loop "
                       "thread B (QThread.executor / EventLoop.executor) and touches its own state after "
                       "each call; Qt: a QThread calls a functor into a QObject living in another QThread "
                       "with Qt::BlockingQueuedConnection. Each side verifies both counts.",
    "actor-call": "QKit and SwiftNIO: a task on Swift's cooperative pool awaits an actor method on a loop "
                  "thread; Qt: as in the row above (a thread's blocking queued call).",
}

# QKit-only rows: Swift concurrency forms compared with what a Swift user would write instead.
QKIT_ONLY = [
    ("signal-values", "`for await` over signal.values, 1,000 emitted then 1,000 awaited (values/s)", 1_000_000, 200_000),
    ("asyncstream-slot", "the same through an AsyncStream fed by a closure slot (values/s)", 1_000_000, 200_000),
    ("main-yield", "main-actor Task.yield hops on the main loop (hops/s)", 1_000_000, 200_000),
]

FAILURES = {}

def run(cmd, env=None, timeout=120, cell=None):
    """The RESULT value, or None: exit 2 means the peer lacks the row; any other failure is
    recorded in FAILURES under `cell` and printed."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        FAILURES[cell] = f"timed out after {timeout} s"
        print(f"    FAILED {' '.join(cmd)}: timed out", flush=True)
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

NIO = None  # the SwiftNIO peer's path, set in main()

def impls(probe):
    glib = dict(os.environ)
    glib.pop("QT_NO_GLIB", None)
    noglib = dict(os.environ, QT_NO_GLIB="1")
    return [
        ("QKit", [probe], None),
        ("Qt 6 (QT_NO_GLIB=1)", [os.path.join(PEERS, "qtpeer")], noglib),
        ("Qt 6 (glib)", [os.path.join(PEERS, "qtpeer")], glib),
        ("SwiftNIO", [NIO], None),
        ("raw libevent", [os.path.join(PEERS, "evpeer")], None),
    ]

def one_process_rows(probe, reps, quick):
    results = {}
    for key, title, full, small, lower, goal in ROWS:
        n = small if quick else full
        row, _, placement = key.partition("@")
        cpus = [] if row == "crossthread" else ["taskset", "-c", placement or "1"]
        for name, cmd, env in impls(probe):
            values = []
            for _ in range(reps):
                v = run(cpus + cmd + [row, str(n)], env=env, cell=(key, name))
                if v is not None:
                    values.append(v)
            results[(key, name)] = values
            shown = "failed" if (key, name) in FAILURES else (f"{statistics.median(values):.4g}" if values else "–")
            print(f"  {title:<48} {name:<20} {shown}", flush=True)
    for key, title, full, small in QKIT_ONLY:
        values = [v for v in (run(["taskset", "-c", "1", probe, key, str(small if quick else full)], cell=(key, "QKit"))
                              for _ in range(reps)) if v is not None]
        results[(key, "QKit")] = values
        print(f"  {title:<48} {'QKit':<20} {statistics.median(values) if values else '–'}", flush=True)
    return results

def two_process(cmd_recv, cmd_send, env, ready_timeout=10):
    receiver = subprocess.Popen(cmd_recv, stdout=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + ready_timeout
    line = ""
    while time.time() < deadline:
        line = receiver.stdout.readline()
        if line.strip() == "READY" or line == "":
            break
    sender_value = run(cmd_send, env=env)
    rest = receiver.communicate(timeout=120)[0]
    recv_value = None
    for l in rest.splitlines():
        if l.startswith("RESULT "):
            recv_value = float(l.split()[1])
    return recv_value, sender_value

def udp_two_process(probe, reps):
    rows = {}
    for name, cmd, env in impls(probe):
        if name == "SwiftNIO":
            continue  # no two-process peer yet
        rates, losses = [], []
        for rep in range(reps):
            port = str(47000 + rep)
            got, sent = two_process(["taskset", "-c", "0"] + cmd + ["udp-recv", port, "3000"],
                                    ["taskset", "-c", "1"] + cmd + ["udp-send", port, "2000"], env)
            if got is not None and sent:
                rates.append(got / 2.0)
                losses.append(100.0 * max(0.0, 1 - got / sent))
        rows[name] = (rates, losses)
        if rates:
            print(f"  UDP two processes (receiver CPU 0, sender CPU 1) {name:<20} "
                  f"{statistics.median(rates):.4g}/s, loss {statistics.median(losses):.1f} %", flush=True)
    return rows

def bulk(probe, reps, quick):
    size = (256 if quick else 1024) * 1024 * 1024
    rows = {}
    for placement, (server_cpu, client_cpu) in (("same CPU", ("0", "0")), ("different CPUs", ("0", "1"))):
        for name, cmd, env in impls(probe):
            if name == "SwiftNIO":
                continue  # no two-process peer yet
            values = []
            for rep in range(reps):
                path = f"/tmp/qkit-bulk-{os.getpid()}-{rep}"
                got, _ = two_process(["taskset", "-c", server_cpu] + cmd + ["bulk-server", str(size), path],
                                     ["taskset", "-c", client_cpu] + cmd + ["bulk-client", str(size), path], env)
                if got is not None:
                    values.append(got)
            rows[(placement, name)] = values
            if values:
                print(f"  local bulk {size >> 20} MiB, {placement:<15} {name:<20} {statistics.median(values):.3g} GB/s", flush=True)
    return rows, size

def fmt(values, lower, cell=None):
    if cell in FAILURES:
        return f"failed ({FAILURES[cell]})"
    if not values:
        return "–"
    med = statistics.median(values)
    def f(v):
        if lower:
            return f"{v:.2f}"
        if v >= 1e6:
            return f"{v / 1e6:.2f} M"
        if v >= 1e3:
            return f"{v / 1e3:.1f} k"
        return f"{v:.3g}"
    return f"{f(med)} ({f(min(values))}–{f(max(values))})"

def speed_ratio(a, b, lower):
    if not a or not b:
        return None
    ma, mb = statistics.median(a), statistics.median(b)
    if ma == 0 or mb == 0:
        return None
    return mb / ma if lower else ma / mb

def best_qt(results, key, lower):
    a = results.get((key, "Qt 6 (QT_NO_GLIB=1)"), [])
    b = results.get((key, "Qt 6 (glib)"), [])
    if not a:
        return b
    if not b:
        return a
    ma, mb = statistics.median(a), statistics.median(b)
    return a if ((ma < mb) if lower else (ma > mb)) else b

def svg(chart_rows, path):
    # Horizontal bars: QKit speed / Qt speed per row, log-free linear scale capped at 10x.
    width, left, bar_h, gap = 900, 360, 18, 8
    height = 60 + len(chart_rows) * (bar_h + gap)
    cap = max([r for _, r in chart_rows if r] + [2.0])
    cap = min(cap, 20.0)
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

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller n and 256 MiB bulk")
    args = parser.parse_args()

    subprocess.run(["make", "-C", os.path.join(HERE, "Peers")], check=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "probe", "--package-path", HERE], check=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "niopeer", "--package-path", HERE], check=True)
    bin_path = subprocess.run(["swift", "build", "-c", "release", "--package-path", HERE, "--show-bin-path"],
                              capture_output=True, text=True, check=True).stdout.strip()
    probe = os.path.join(bin_path, "probe")
    global NIO
    NIO = os.path.join(bin_path, "niopeer")
    cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")

    started = time.time()
    print(f"one-process rows ({args.reps} runs each, pinned to CPU 1):", flush=True)
    results = one_process_rows(probe, args.reps, args.quick)
    print("two-process rows:", flush=True)
    udp = udp_two_process(probe, args.reps)
    bulk_rows, bulk_size = bulk(probe, args.reps, args.quick)

    qt_version = subprocess.run(["pkg-config", "--modversion", "Qt6Core"], capture_output=True, text=True).stdout.strip()
    ev_version = subprocess.run(["pkg-config", "--modversion", "libevent"], capture_output=True, text=True).stdout.strip()
    nio_version = "2.101"
    lines = ["# QKit vs Qt 6 vs SwiftNIO vs raw libevent", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {platform.node()} "
             f"({cpu_model}, {os.cpu_count()} CPUs, {platform.machine()}), Qt {qt_version}, SwiftNIO {nio_version}, "
             f"libevent {ev_version}; "
             f"{args.reps} runs per cell{' (quick sizes)' if args.quick else ''}; "
             f"median (min–max). Ratios compare medians as speeds: > 1 means QKit is faster. "
             "Qt's ratio uses the faster of its two dispatchers. Reproduce: `make bench-compare`.", "",
             "Same work, where the sides differ in form: " + " ".join(f"**{k}**: {v}" for k, v in SAME_WORK.items()), "",
             "| work | QKit | Qt 6 (QT_NO_GLIB=1) | Qt 6 (glib) | SwiftNIO | raw libevent | QKit/Qt | QKit/NIO | QKit/raw | goal |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    chart = []
    for key, title, _, _, lower, goal in ROWS:
        q = results.get((key, "QKit"), [])
        r_qt = speed_ratio(q, best_qt(results, key, lower), lower)
        r_nio = speed_ratio(q, results.get((key, "SwiftNIO"), []), lower)
        r_raw = speed_ratio(q, results.get((key, "raw libevent"), []), lower)
        cell = lambda name: fmt(results.get((key, name)), lower, (key, name))
        lines.append(f"| {title} | {cell('QKit')} | {cell('Qt 6 (QT_NO_GLIB=1)')} | "
                     f"{cell('Qt 6 (glib)')} | {cell('SwiftNIO')} | {cell('raw libevent')} | "
                     f"{f'{r_qt:.2f}' if r_qt else '–'} | {f'{r_nio:.2f}' if r_nio else '–'} | "
                     f"{f'{r_raw:.2f}' if r_raw else '–'} | {goal} |")
        chart.append((title, r_qt))
    # UDP two processes.
    def udp_cell(name):
        rates, losses = udp.get(name, ([], []))
        return f"{fmt(rates, False)}/s, loss {statistics.median(losses):.1f} %" if rates else "–"
    uq = udp.get("QKit", ([], []))[0]
    uqt = max((udp.get(n, ([], []))[0] for n in ("Qt 6 (QT_NO_GLIB=1)", "Qt 6 (glib)")),
              key=lambda v: statistics.median(v) if v else 0)
    r_udp = speed_ratio(uq, uqt, False)
    r_udp_raw = speed_ratio(uq, udp.get("raw libevent", ([], []))[0], False)
    lines.append(f"| UDP 64 B, two processes (receiver on CPU 0, sender on CPU 1): received/s, loss | {udp_cell('QKit')} | "
                 f"{udp_cell('Qt 6 (QT_NO_GLIB=1)')} | {udp_cell('Qt 6 (glib)')} | {udp_cell('SwiftNIO')} | {udp_cell('raw libevent')} | "
                 f"{f'{r_udp:.2f}' if r_udp else '–'} | – | {f'{r_udp_raw:.2f}' if r_udp_raw else '–'} | ≥ Qt, less loss |")
    chart.append(("UDP 64 B, two processes", r_udp))
    for placement in ("same CPU", "different CPUs"):
        cells = {n: bulk_rows.get((placement, n), []) for n in ("QKit", "Qt 6 (QT_NO_GLIB=1)", "Qt 6 (glib)", "raw libevent")}
        best = max((cells["Qt 6 (QT_NO_GLIB=1)"], cells["Qt 6 (glib)"]), key=lambda v: statistics.median(v) if v else 0)
        r = speed_ratio(cells["QKit"], best, False)
        rr = speed_ratio(cells["QKit"], cells["raw libevent"], False)
        f = lambda v: f"{statistics.median(v):.2f} GB/s ({min(v):.2f}–{max(v):.2f})" if v else "–"
        goal = "≥ 6 GB/s" if placement == "same CPU" else "≥ 2 GB/s"
        lines.append(f"| local bulk {bulk_size >> 20} MiB, two processes, {placement} | {f(cells['QKit'])} | "
                     f"{f(cells['Qt 6 (QT_NO_GLIB=1)'])} | {f(cells['Qt 6 (glib)'])} | – | {f(cells['raw libevent'])} | "
                     f"{f'{r:.2f}' if r else '–'} | – | {f'{rr:.2f}' if rr else '–'} | {goal} |")
        chart.append((f"local bulk, {placement}", r))
    lines += ["", "QKit alone (Swift concurrency forms, pinned to CPU 1):", "", "| work | QKit |", "|---|---|"]
    for key, title, _, _ in QKIT_ONLY:
        lines.append(f"| {title} | {fmt(results.get((key, 'QKit')), False, (key, 'QKit'))} |")
    sv, ss = results.get(("signal-values", "QKit")), results.get(("asyncstream-slot", "QKit"))
    r_sv = speed_ratio(sv, ss, False)
    if r_sv:
        lines += ["", f"signal.values / AsyncStream slot: {r_sv:.2f}× (goal ≥ 2×)."]
    lines += ["", f"Total run time {time.time() - started:.0f} s. Chart: `report.svg` (QKit/Qt per row).", ""]
    report = "\n".join(lines)
    with open(os.path.join(HERE, "report.md"), "w") as f:
        f.write(report)
    svg(chart, os.path.join(HERE, "report.svg"))
    print()
    print(report)

if __name__ == "__main__":
    sys.exit(main())
