#!/usr/bin/env python3
"""Write the PPRL inputs for Ally from the anchor's own definitions, so both encode the same
values with the same schema and secret: imports ../shared/bench/pprl_anonlink.py (schema,
secret, field preparation) and writes
    OUT/febrl4_a_pprl.csv, OUT/febrl4_b_pprl.csv   rec_id + the schema's fields, prepared
    OUT/schema.json, OUT/secret.txt
Usage: pprl_inputs.py SHARED_BENCH_DIR OUT_DIR   (run with the anchors' venv: needs pandas)
"""
import csv
import json
import sys
from pathlib import Path

bench = Path(sys.argv[1]).resolve()
out = Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
sys.path.insert(0, str(bench))
import pprl_anonlink as anchor  # noqa: E402

a, b, _truth, _src = anchor.load_febrl4(bench / "data")
for name, df in (("a", a), ("b", b)):
    rows = anchor.to_pii_rows(df)
    with open(out / f"febrl4_{name}_pprl.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(anchor.FIELDS)
        w.writerows(rows)
(out / "schema.json").write_text(json.dumps(anchor.linkage_schema(), indent=2) + "\n")
(out / "secret.txt").write_text(anchor.SECRET)
print(f"wrote PPRL inputs to {out}")
