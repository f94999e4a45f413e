#!/usr/bin/env python3
"""Print the side-by-side tables of one bench/linkage/run.sh run (markdown). Standard library
only. Usage: report.py OUT_DIR"""
import json
import re
import sys
from pathlib import Path

out = Path(sys.argv[1])


def load(name):
    p = out / name
    return json.loads(p.read_text()) if p.exists() else None


def timing(name):
    """(wall seconds, peak RSS MiB) from a /usr/bin/time -v file"""
    p = out / f"{name}.time"
    if not p.exists():
        return None, None
    t = p.read_text()
    m = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", t)
    wall = None
    if m:
        h = int(m.group(1) or 0)
        wall = h * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    r = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
    rss = int(r.group(1)) / 1024 if r else None
    return wall, rss


def prf(m):
    return f"{m['precision']:.4f} / {m['recall']:.4f} / **{m['f1']:.4f}**"


def fmt(x, nd=2, unit=""):
    return "–" if x is None else f"{x:.{nd}f}{unit}"


splink = load("splink.json") or {}
sw, srss = timing("splink")
print(f"Splink process (FEBRL4 + FEBRL3, incl. imports and loading): wall {fmt(sw)} s, peak {fmt(srss, 0)} MiB\n")

print("### Record linkage (FEBRL, pairwise scoring)\n")
print("| data set | system | P / R / F1 | wall time | peak memory |")
print("| --- | --- | --- | --- | --- |")
if "febrl4" in splink:
    s4 = splink["febrl4"]
    tt = s4["timings"]
    st = tt["train_s"] + tt["predict_s"]
    print(f"| FEBRL4 | Splink, p ≥ 0.5 | {prf(s4['pairwise']['at_p_0_5'])} | {st:.2f} s (train + predict) | {fmt(srss, 0)} MiB (whole script) |")
    print(f"| FEBRL4 | Splink, best threshold (oracle) | {prf(s4['pairwise']['best'])} | | |")
    print(f"| FEBRL4 | Splink + greedy 1:1, best | {prf(s4['greedy_one_to_one']['best'])} | | |")
w, r = timing("ally_febrl4")
a4 = load("ally_febrl4.score.json")
if a4:
    print(f"| FEBRL4 | **Ally** `link match`, p ≥ 0.5 | {prf(a4)} | {fmt(w)} s (whole process) | {fmt(r, 0)} MiB |")
a4s = load("ally_febrl4.sweep.json")
if a4s:
    print(f"| FEBRL4 | Ally, best threshold (oracle) | {prf(a4s)} | | |")
w1, r1 = timing("ally_febrl4_1to1")
a41 = load("ally_febrl4_1to1.score.json")
if a41:
    print(f"| FEBRL4 | Ally `--one-to-one`, p ≥ 0.5 | {prf(a41)} | {fmt(w1)} s | {fmt(r1, 0)} MiB |")
if "febrl3" in splink:
    s3 = splink["febrl3"]
    tt = s3["timings"]
    st = tt["train_s"] + tt["predict_s"]
    print(f"| FEBRL3 | Splink, p ≥ 0.5 | {prf(s3['pairwise']['at_p_0_5'])} | {st:.2f} s (train + predict) | |")
    print(f"| FEBRL3 | Splink, best threshold (oracle) | {prf(s3['pairwise']['best'])} | | |")
w, r = timing("ally_febrl3")
a3 = load("ally_febrl3.score.json")
if a3:
    print(f"| FEBRL3 | **Ally** `link dedupe` clusters, p ≥ 0.5 | {prf(a3)} | {fmt(w)} s (whole process) | {fmt(r, 0)} MiB |")
a3p = load("ally_febrl3_pairs.score.json")
if a3p:
    print(f"| FEBRL3 | Ally, accepted pairs before clustering | {prf(a3p)} | | |")

an = load("anonlink.json")
print("\n### PPRL on FEBRL4 (same schema, secret and prepared values)\n")
print("| system | threshold | P / R / F1 | links | match time |")
print("| --- | --- | --- | --- | --- |")
if an:
    fx = an["febrl4"]["fixed_threshold"]
    print(f"| clkhash + anonlink | {fx['threshold']} | {prf(fx)} | {fx['links']} | {fx['match_total_s']:.3f} s (in-process) |")
    for row in an["febrl4"]["sweep"]:
        if row["threshold"] in (0.75, 0.7, 0.65, 0.6):
            print(f"| clkhash + anonlink | {row['threshold']} | {prf(row)} | {row['links']} | |")
for t in ("0.8", "0.75", "0.7", "0.65", "0.6"):
    sc = load(f"ally_pprl_{t}.score.json")
    w, _ = timing(f"ally_pprl_match_{t}")
    if sc:
        print(f"| **Ally** `pprl match` | {t} | {prf(sc)} | {sc['predicted']} | {fmt(w, 3)} s (whole process) |")

print("\n### Encoding throughput (5,000 + 5,000 records)\n")
if an:
    e = an["febrl4"]
    print(f"- clkhash: {e['encode_s']:.2f} s, {e['encode_records_per_s']:.0f} records/s (in-process, 1 process)")
wa, ra = timing("ally_pprl_encode_a")
wb, rb = timing("ally_pprl_encode_b")
if wa is not None and wb is not None:
    rate = 10000 / (wa + wb)
    ratio = f", {rate / an['febrl4']['encode_records_per_s']:.1f}× clkhash" if an else ""
    print(f"- Ally `pprl encode`: {wa + wb:.2f} s for both files as whole processes (CSV read + write included), {rate:.0f} records/s{ratio}; peak {fmt(max(ra, rb), 0)} MiB")

ec = load("encode_compare.json")
if ec:
    print(f"- 50,000 distinct synthetic records (names in Latin, Cyrillic and Greek script): clkhash {ec['clkhash_records_per_s']} records/s (in-process), "
          f"Ally {ec['ally_records_per_s']} records/s (whole process): {ec['ratio']}×; all {ec['records']} encodings bit-identical: {ec['bit_identical']}")
    ei = load("ally_encode_inprocess.json")
    if ei:
        print(f"- same 50,000 records, in-process on both sides (encoding loop only, 1 thread): clkhash {ec['clkhash_records_per_s']} records/s, "
              f"Ally {ei['records_per_s']} records/s: {ei['records_per_s'] / ec['clkhash_records_per_s']:.1f}×")

print("\n### Dice comparisons per second (10k × 10k random 1024-bit CLKs, t = 0.8, single core unless noted)\n")
tp = load("anonlink_throughput.json")
if tp:
    e = tp["throughput"][0]
    print(f"- anonlink (1 process): {e['single_process_cmp_per_s']:.1f} M/s")
for f, label in (("ally_dice_1thread.json", "Ally, 1 thread"), ("ally_dice_2threads.json", "Ally, 2 threads")):
    d = load(f)
    if d:
        print(f"- {label}: {d['comparisons_per_s'] / 1e6:.1f} M/s")
c = load("ceiling.json")
if c:
    detail = ""
    if "tile8x8_comparisons_per_s" in c:
        detail = (f" (faster of two kernels: 4×1 tile with per-pair horizontal sums {c['tile4x1_comparisons_per_s'] / 1e6:.1f} M/s, "
                  f"8×8 tile on transposed B {c['tile8x8_comparisons_per_s'] / 1e6:.1f} M/s)")
    print(f"- popcount ceiling microbenchmark (C, AVX-512 VPOPCNTQ, L2 blocks): {c['comparisons_per_s'] / 1e6:.1f} M/s{detail}")
    d = load("ally_dice_1thread.json")
    if d:
        print(f"- Ally 1 thread / ceiling: {100 * d['comparisons_per_s'] / c['comparisons_per_s']:.0f} %")

sc = load("ally_scale.score.json")
if sc:
    w, r = timing("ally_scale")
    print("\n### Synthetic scale (dedupe)\n")
    print(f"- Ally `link dedupe`: {prf(sc)} (clusters, pairwise); wall {fmt(w)} s; peak {fmt(r / 1024 if r else None, 2)} GiB")
    log = out / "ally_scale.log"
    if log.exists():
        print("- " + " / ".join(log.read_text().strip().splitlines()[-2:]))
