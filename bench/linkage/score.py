#!/usr/bin/env python3
"""Pairwise precision / recall / F1 of Ally's linkage output against FEBRL truth files.

    score.py pairs PAIRS.csv TRUTH.csv [--min-score S]   # left_id,right_id,score
    score.py clusters CLUSTERS.csv TRUTH.csv              # record_id,cluster_id
    score.py sweep PAIRS.csv TRUTH.csv                    # best threshold (oracle, as the
                                                          # anchors report it)
Prints one JSON object. Standard library only.
"""
import csv
import json
import sys
from collections import defaultdict


def truth_pairs(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        return {frozenset(row[:2]) for row in r}


def prf(tp, n_pred, n_true):
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_true if n_true else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
            "predicted": n_pred, "true_positives": tp, "true_pairs": n_true}


def read_pairs(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        return [(a, b, float(s)) for a, b, s in r]


def main():
    mode, path, truth_path = sys.argv[1:4]
    truth = truth_pairs(truth_path)
    if mode == "pairs":
        min_score = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
        pairs = [p for p in read_pairs(path) if p[2] >= min_score]
        tp = sum(frozenset(p[:2]) in truth for p in pairs)
        print(json.dumps(prf(tp, len(pairs), len(truth))))
    elif mode == "sweep":
        pairs = sorted(read_pairs(path), key=lambda p: -p[2])
        best, tp = None, 0
        for k, p in enumerate(pairs):
            tp += frozenset(p[:2]) in truth
            if k + 1 < len(pairs) and pairs[k + 1][2] == p[2]:
                continue
            m = prf(tp, k + 1, len(truth))
            if best is None or m["f1"] > best["f1"]:
                best = dict(m, threshold=p[2])
        print(json.dumps(best))
    elif mode == "clusters":
        members = defaultdict(list)
        with open(path, newline="") as f:
            r = csv.reader(f)
            next(r)
            for rec, cl in r:
                members[cl].append(rec)
        pred = set()
        for recs in members.values():
            for i in range(len(recs)):
                for j in range(i + 1, len(recs)):
                    pred.add(frozenset((recs[i], recs[j])))
        tp = len(pred & truth)
        print(json.dumps(prf(tp, len(pred), len(truth))))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
