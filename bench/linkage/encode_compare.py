#!/usr/bin/env python3
"""Encoding throughput and bit-compatibility on a larger input: clkhash (one process,
in-process timing) vs Ally's `pprl encode` (whole process), same schema and secret.

    encode_compare.py ALLY SCHEMA.json SECRET.txt INPUT.csv OUT_DIR   (anchors' venv)

INPUT.csv has rec_id plus the schema's columns (e.g. made from examples/synthetic_people).
Prints JSON: records, clkhash seconds and records/s, Ally seconds and records/s, and
whether all encodings are bit-identical.
"""
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

from clkhash import clk, schema as clk_schema
from clkhash.serialization import serialize_bitarray

ally, schema_path, secret_path, input_path, out = sys.argv[1:6]
out = Path(out)
out.mkdir(parents=True, exist_ok=True)
schema = clk_schema.from_json_dict(json.loads(Path(schema_path).read_text()))
secret = Path(secret_path).read_text()
with open(input_path, newline="") as f:
    rows = list(csv.reader(f))[1:]
t = time.perf_counter()
ref = clk.generate_clks(rows, schema, secret, max_workers=1)
clk_s = time.perf_counter() - t
t = time.perf_counter()
subprocess.run([ally, "pprl", "encode", "--schema", schema_path, "--secret-file", secret_path,
                "--input", input_path, "--id-column", "rec_id", "--output", str(out / "clks.csv")],
               check=True)
ally_s = time.perf_counter() - t
with open(out / "clks.csv", newline="") as f:
    ours = [r[1] for r in list(csv.reader(f))[1:]]
same = len(ours) == len(ref) and all(serialize_bitarray(a) == b for a, b in zip(ref, ours))
print(json.dumps({"records": len(rows), "clkhash_s": round(clk_s, 3),
                  "clkhash_records_per_s": round(len(rows) / clk_s),
                  "ally_s_whole_process": round(ally_s, 3),
                  "ally_records_per_s": round(len(rows) / ally_s),
                  "ratio": round(clk_s / ally_s, 2), "bit_identical": same}))
