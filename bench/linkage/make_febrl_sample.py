#!/usr/bin/env python3
"""Write FEBRL4 PPRL inputs prepared as the anchor prepares them, with the standard library only
(no pandas): the anchor's schema and secret (../shared/bench/pprl_anonlink.py, imported with its
numerical modules stubbed out: only linkage_schema(), SECRET and FIELDS are used) and the values
of to_pii_rows (every column stripped and lower-cased, address = street_number + ' ' +
address_1, stripped).

    make_febrl_sample.py SHARED_BENCH_DIR OUT_DIR          # OUT/febrl4_{a,b}_pprl.csv, full files
    make_febrl_sample.py SHARED_BENCH_DIR OUT_DIR --sample  # OUT/febrl4_{a,b}_sample.csv

Both write OUT/febrl4.schema.json and OUT/febrl4.secret.txt. --sample keeps every 10th true
pair (500), adds 250 records to each side whose counterpart is left out (so that a low
threshold makes false links), and shuffles the rows (seed 5): 750 records a side, the fixture
of crates/ally-linkage/tests/pprl_hardening.rs.
"""
import csv
import json
import random
import sys
import types
from pathlib import Path

bench = Path(sys.argv[1]).resolve()
out = Path(sys.argv[2])
sample = "--sample" in sys.argv[3:]
out.mkdir(parents=True, exist_ok=True)
for name in ("numpy", "pandas", "bitarray"):
    sys.modules.setdefault(name, types.ModuleType(name))
sys.modules["bitarray"].bitarray = object
sys.path.insert(0, str(bench))
import pprl_anonlink as anchor  # noqa: E402

(out / "febrl4.schema.json").write_text(json.dumps(anchor.linkage_schema(), indent=2) + "\n")
(out / "febrl4.secret.txt").write_text(anchor.SECRET)


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def prepare(row):
    d = {k: (v or "").strip().lower() for k, v in row.items()}
    d["address"] = (d["street_number"] + " " + d["address_1"]).strip()
    return [d[f] for f in anchor.FIELDS]


data = bench / "data"
a, b = load(data / "febrl4_a.csv"), load(data / "febrl4_b.csv")
if sample:
    by_id_a = {r["rec_id"]: r for r in a}
    by_id_b = {r["rec_id"]: r for r in b}
    truth = load(data / "febrl4_truth.csv")
    chosen = truth[::10]
    a = [by_id_a[t["rec_id_a"]] for t in chosen + truth[5::10][:250]]
    b = [by_id_b[t["rec_id_b"]] for t in chosen + truth[7::10][:250]]
rng = random.Random(5)
for side, rows in (("a", a), ("b", b)):
    prepared = [prepare(r) for r in rows]
    if sample:
        rng.shuffle(prepared)
    name = f"febrl4_{side}_sample.csv" if sample else f"febrl4_{side}_pprl.csv"
    with open(out / name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(anchor.FIELDS)
        w.writerows(prepared)
print(f"wrote FEBRL4 PPRL inputs to {out}")
