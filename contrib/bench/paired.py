# Interleaved timing of whole commands: python3 paired.py N "CMD A" "CMD B"...; prints each median
# and the median of its paired differences against the first (hyperfine blocks drift here).
import subprocess, sys, time, statistics, os
cmds = [c.split() for c in sys.argv[2:]]
n = int(sys.argv[1])
times = [[] for _ in cmds]
devnull = open(os.devnull, "w")
for i in range(n + 10):
    order = list(range(len(cmds)))
    if i % 2: order.reverse()
    for k in order:
        t = time.perf_counter_ns()
        subprocess.run(cmds[k], stdout=devnull, stderr=devnull)
        d = time.perf_counter_ns() - t
        if i >= 10: times[k].append(d / 1e6)
for k, c in enumerate(sys.argv[2:]):
    diffs = [a - b for a, b in zip(times[k], times[0])]
    print(f"{statistics.median(times[k]):7.3f} ms  (paired diff vs first {statistics.median(diffs):+.3f} ms)  {c}")
