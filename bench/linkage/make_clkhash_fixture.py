#!/usr/bin/env python3
"""Generate the clkhash reference encodings used by crates/ally-linkage/tests/clkhash_compat.rs.

Run with the anchors' venv (clkhash 0.18.3):
    /work/anchors-venv/bin/python bench/linkage/make_clkhash_fixture.py crates/ally-linkage/tests/fixtures
Writes, per schema NAME: NAME.schema.json, NAME.records.csv (the input), NAME.clks.csv
(record_id,clk from clkhash), and secret.txt (the shared secret).
"""
import csv
import json
import sys
from pathlib import Path

from clkhash import clk, schema as clk_schema
from clkhash.serialization import serialize_bitarray

SECRET = "fixture secret: not for production"

RECORDS = [
    ["r1", "michaela", "neumann", "19151111", "8", "2000", "f"],
    ["r2", "courtney", "painter", "19161214", "12", "4560", "f"],
    ["r3", "josé", "müller", "19900203", "", "1010", "m"],
    ["r4", "владимир", "иванов", "19851231", "101", "", "m"],
    ["r5", "", "", "", "", "", ""],
    ["r6", "a", "b", "20000229", "0", "0001", "x"],
    ["r7", "anne-marie", "o'brien", "19700101", "42", "9999", "f"],
    ["r8", "李", "小龙", "19401127", "7", "3000", "m"],
    ["r9", "bob", "smith", "19600606", "-3", "2600", "m"],
    ["r10", "zoë", "n/a", "19991231", "5", "2612", "f"],
]
HEADER = ["rec_id", "given_name", "surname", "dob", "number", "postcode", "sex"]


def feature(name, fmt, comparison, strategy, hash_=None, missing=None):
    h = {"comparison": comparison, "strategy": strategy}
    if hash_:
        h["hash"] = hash_
    if missing is not None:
        h["missingValue"] = missing
    return {"identifier": name, "format": fmt, "hashing": h}


STR = {"type": "string", "encoding": "utf-8"}

SCHEMAS = {
    # blakeHash (clkhash default): bigrams, positional unigrams, exact, bitsPerFeature and
    # bitsPerToken, missing values with and without replacement, integer and date formats
    "blake": {
        "version": 3,
        "clkConfig": {"l": 1024, "kdf": {"type": "HKDF", "hash": "SHA256",
                                         "salt": "c2FsdC1mb3ItZml4dHVyZQ==", "info": "Y2xr",
                                         "keySize": 64}},
        "features": [
            {"identifier": "rec_id", "ignored": True},
            feature("given_name", STR, {"type": "ngram", "n": 2}, {"bitsPerFeature": 180},
                    {"type": "blakeHash"}, {"sentinel": ""}),
            feature("surname", STR, {"type": "ngram", "n": 2, "positional": False},
                    {"bitsPerToken": 15}, None, {"sentinel": "n/a", "replaceWith": "unknown"}),
            feature("dob", {"type": "date", "format": "%Y%m%d"},
                    {"type": "ngram", "n": 1, "positional": True}, {"bitsPerFeature": 140},
                    None, {"sentinel": ""}),
            feature("number", {"type": "integer"}, {"type": "exact"}, {"bitsPerToken": 30},
                    None, {"sentinel": ""}),
            feature("postcode", STR, {"type": "ngram", "n": 3}, {"bitsPerFeature": 60},
                    None, {"sentinel": ""}),
            feature("sex", {"type": "enum", "values": ["m", "f", "x", ""]}, {"type": "exact"},
                    {"bitsPerToken": 40}),
        ],
    },
    # doubleHash (with and without prevent_singularity), SHA512 HKDF without salt/info,
    # XOR folding (2048 bits folded once to 1024)
    "double_xor": {
        "version": 3,
        "clkConfig": {"l": 1024, "xor_folds": 1,
                      "kdf": {"type": "HKDF", "hash": "SHA512", "keySize": 32}},
        "features": [
            {"identifier": "rec_id", "ignored": True},
            feature("given_name", STR, {"type": "ngram", "n": 2}, {"bitsPerToken": 20},
                    {"type": "doubleHash"}, {"sentinel": ""}),
            feature("surname", STR, {"type": "ngram", "n": 2}, {"bitsPerFeature": 200},
                    {"type": "doubleHash", "prevent_singularity": True}, {"sentinel": ""}),
            feature("dob", STR, {"type": "ngram", "n": 1, "positional": True},
                    {"bitsPerToken": 10}, None, {"sentinel": ""}),
            {"identifier": "number", "ignored": True},
            feature("postcode", STR, {"type": "exact"}, {"bitsPerToken": 25},
                    {"type": "doubleHash", "prevent_singularity": True}, {"sentinel": ""}),
            {"identifier": "sex", "ignored": True},
        ],
    },
}


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    (out / "secret.txt").write_text(SECRET + "\n")
    with open(out / "records.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(RECORDS)
    for name, sch in SCHEMAS.items():
        (out / f"{name}.schema.json").write_text(json.dumps(sch, indent=2) + "\n")
        s = clk_schema.from_json_dict(json.loads(json.dumps(sch)))
        clks = clk.generate_clks(RECORDS, s, SECRET, validate=False)
        with open(out / f"{name}.clks.csv", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["record_id", "clk"])
            for rec, c in zip(RECORDS, clks):
                w.writerow([rec[0], serialize_bitarray(c)])
        print(name, "mean popcount", sum(c.count() for c in clks) / len(clks))


if __name__ == "__main__":
    main()
