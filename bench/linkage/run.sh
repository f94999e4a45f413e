#!/usr/bin/env bash
# Side-by-side benchmark of Ally's linkage against the anchors (Splink, clkhash + anonlink),
# in one run on one machine. Run from the repository root:
#
#     bench/linkage/run.sh            # FEBRL3/4, PPRL (with hardening options), Dice throughput
#     SCALE=1000000 bench/linkage/run.sh   # also the synthetic scale benchmark
#
# Needs: the anchors' venv (VENV, default ../anchors-venv; see ../shared/bench/RESULTS.md),
# the shared bench folder (SHARED, default ../shared/bench), /usr/bin/time, gcc (for the
# popcount ceiling). Results go to OUT (default: a fresh temporary directory) and a summary
# table is printed by bench/linkage/report.py.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$ROOT/../shared/bench}
VENV=${VENV:-$ROOT/../anchors-venv}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=${OUT:-$(mktemp -d -t ally-linkage-bench.XXXXXX)}
SCALE=${SCALE:-0}
PY=$VENV/bin/python
DATA=$SHARED/data
mkdir -p "$OUT"
echo "results in $OUT" >&2

cargo build --release -q -p ally
cargo build --release -q -p ally-linkage --examples
ALLY=$TARGET/release/ally

# timed NAME CMD... : runs CMD under /usr/bin/time -v, keeps its stderr in NAME.log
timed() {
    local name=$1
    shift
    /usr/bin/time -v -o "$OUT/$name.time" "$@" 2> "$OUT/$name.log"
}

FEBRL_FIELDS=(--field given_name=given_name --field family_name=surname
    --field date_of_birth=date_of_birth --field city=suburb --field postcode=postcode
    --field street=address_1 --field street_number=street_number)

echo "== Splink (FEBRL3 + FEBRL4)" >&2
timed splink "$PY" "$SHARED/febrl_splink.py" --no-export --json "$OUT/splink.json"

echo "== Ally link match (FEBRL4)" >&2
timed ally_febrl4 "$ALLY" link match --left "$DATA/febrl4_a.csv" --right "$DATA/febrl4_b.csv" \
    --id-column rec_id "${FEBRL_FIELDS[@]}" --output "$OUT/ally_febrl4_pairs.csv"
python3 "$ROOT/bench/linkage/score.py" pairs "$OUT/ally_febrl4_pairs.csv" "$DATA/febrl4_truth.csv" > "$OUT/ally_febrl4.score.json"
python3 "$ROOT/bench/linkage/score.py" sweep "$OUT/ally_febrl4_pairs.csv" "$DATA/febrl4_truth.csv" > "$OUT/ally_febrl4.sweep.json"
timed ally_febrl4_1to1 "$ALLY" link match --left "$DATA/febrl4_a.csv" --right "$DATA/febrl4_b.csv" \
    --id-column rec_id "${FEBRL_FIELDS[@]}" --one-to-one --output "$OUT/ally_febrl4_1to1_pairs.csv"
python3 "$ROOT/bench/linkage/score.py" pairs "$OUT/ally_febrl4_1to1_pairs.csv" "$DATA/febrl4_truth.csv" > "$OUT/ally_febrl4_1to1.score.json"

echo "== Ally link dedupe (FEBRL3)" >&2
timed ally_febrl3 "$ALLY" link dedupe --input "$DATA/febrl3.csv" --id-column rec_id "${FEBRL_FIELDS[@]}" \
    --output "$OUT/ally_febrl3_clusters.csv" --pairs-output "$OUT/ally_febrl3_pairs.csv"
python3 "$ROOT/bench/linkage/score.py" clusters "$OUT/ally_febrl3_clusters.csv" "$DATA/febrl3_truth.csv" > "$OUT/ally_febrl3.score.json"
python3 "$ROOT/bench/linkage/score.py" pairs "$OUT/ally_febrl3_pairs.csv" "$DATA/febrl3_truth.csv" > "$OUT/ally_febrl3_pairs.score.json"

echo "== clkhash + anonlink (FEBRL4 PPRL)" >&2
timed anonlink "$PY" "$SHARED/pprl_anonlink.py" --skip-throughput --json "$OUT/anonlink.json"

echo "== Ally pprl (FEBRL4, same schema and secret)" >&2
"$PY" "$ROOT/bench/linkage/pprl_inputs.py" "$SHARED" "$OUT/pprl" > /dev/null
for side in a b; do
    timed "ally_pprl_encode_$side" "$ALLY" pprl encode --schema "$OUT/pprl/schema.json" \
        --secret-file "$OUT/pprl/secret.txt" --input "$OUT/pprl/febrl4_${side}_pprl.csv" \
        --id-column rec_id --output "$OUT/pprl/clks_$side.csv"
done
for t in 0.8 0.75 0.7 0.65 0.6; do
    timed "ally_pprl_match_$t" "$ALLY" pprl match --left "$OUT/pprl/clks_a.csv" --right "$OUT/pprl/clks_b.csv" \
        --threshold "$t" --output "$OUT/pprl/pairs_$t.csv"
    python3 "$ROOT/bench/linkage/score.py" pairs "$OUT/pprl/pairs_$t.csv" "$DATA/febrl4_truth.csv" > "$OUT/ally_pprl_$t.score.json"
done

echo "== Ally pprl hardening options (FEBRL4, same schema and secret + x-ally-hardening)" >&2
"$TARGET/release/examples/pprl_hardening" "$OUT/pprl/schema.json" "$OUT/pprl/secret.txt" \
    "$OUT/pprl/febrl4_a_pprl.csv" "$OUT/pprl/febrl4_b_pprl.csv" "$DATA/febrl4_truth.csv" \
    > "$OUT/hardening.md" 2> "$OUT/hardening.json"

echo "== Encoding 50,000 distinct synthetic records: clkhash vs Ally, bit-compatibility" >&2
"$TARGET/release/examples/synthetic_people" 50000 "$OUT/syn50k.csv" "$OUT/syn50k_truth.csv" 7
python3 "$ROOT/bench/linkage/to_pprl_columns.py" "$OUT/syn50k.csv" "$OUT/pprl/syn50k_pprl.csv"
"$PY" "$ROOT/bench/linkage/encode_compare.py" "$ALLY" "$OUT/pprl/schema.json" "$OUT/pprl/secret.txt" \
    "$OUT/pprl/syn50k_pprl.csv" "$OUT/enc50k" > "$OUT/encode_compare.json"
# in-process, like the clkhash timing above: Ally's encoding loop alone, 1 thread
"$TARGET/release/examples/encode_throughput" "$OUT/pprl/schema.json" "$OUT/pprl/secret.txt" \
    "$OUT/pprl/syn50k_pprl.csv" > "$OUT/ally_encode_inprocess.json"

echo "== Dice throughput: anonlink, Ally, popcount ceiling (10k x 10k random CLKs, t=0.8)" >&2
"$PY" "$SHARED/pprl_anonlink.py" --skip-accuracy --sizes 10000 --procs 1 --json "$OUT/anonlink_throughput.json" > /dev/null
"$TARGET/release/examples/dice_throughput" 10000 0.8 1 > "$OUT/ally_dice_1thread.json"
"$TARGET/release/examples/dice_throughput" 10000 0.8 2 > "$OUT/ally_dice_2threads.json"
if gcc -O3 -march=native -o "$OUT/popcount_ceiling" "$ROOT/bench/linkage/popcount_ceiling.c" 2> /dev/null; then
    "$OUT/popcount_ceiling" 10000 > "$OUT/ceiling.json"
fi

if [ "$SCALE" -gt 0 ]; then
    echo "== Synthetic scale: $SCALE records" >&2
    "$TARGET/release/examples/synthetic_people" "$SCALE" "$OUT/synthetic.csv" "$OUT/synthetic_truth.csv"
    timed ally_scale "$ALLY" link dedupe --input "$OUT/synthetic.csv" --id-column id \
        --field given_name=given_name --field family_name=family_name --field date_of_birth=date_of_birth \
        --field city=city --field postcode=postcode --field street=street --field phone=phone \
        --block given_name+family_name --block given_name+family_name~family_name+given_name \
        --block family_name+date_of_birth --block given_name+date_of_birth \
        --block postcode+date_of_birth --block phone --block street+given_name \
        --threads 2 --household-aware --phone-region GB --output "$OUT/synthetic_clusters.csv"
    python3 "$ROOT/bench/linkage/score.py" clusters "$OUT/synthetic_clusters.csv" "$OUT/synthetic_truth.csv" > "$OUT/ally_scale.score.json"
fi

python3 "$ROOT/bench/linkage/report.py" "$OUT"
echo
echo "PPRL hardening on FEBRL4 (examples/pprl_hardening.rs):"
cat "$OUT/hardening.md"
