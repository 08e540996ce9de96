# lib.sh: shell helpers shared by the command-line tests (sourced, not run).

# tiny_csv FILE: a generated Jena-layout CSV (canonical date format, 10-minute steps) of
# 6,400 rows, enough for `hsweep prep` (one default window per split), with three features:
# a noisy daily cycle in p (mbar), T (degC) and rh (%). Deterministic.
tiny_csv() {
    /usr/bin/python3 - "$1" <<'PYEOF'
import math, sys, datetime
t0 = datetime.datetime(2020, 1, 1, 0, 10)
with open(sys.argv[1], "w") as f:
    f.write("Date Time,p (mbar),T (degC),rh (%)\n")
    for i in range(6400):
        ts = (t0 + datetime.timedelta(minutes=10 * i)).strftime("%d.%m.%Y %H:%M:%S")
        ph = 2 * math.pi * i / 144
        noise = ((i * 7919) % 101) / 100.0 - 0.5
        f.write(f"{ts},{1000 + 5 * math.cos(ph):.2f},{5 + 4 * math.sin(ph) + 0.3 * noise:.2f},"
                f"{70 + 10 * math.cos(ph + 1):.2f}\n")
PYEOF
}
