#!/usr/bin/env bash
# Refreshes test/fixtures/cgroup-stats/golden.json and golden-set.json: runc
# 1.1.5's own answers (its fs and fs2 GetStats, the runc events conversion,
# go-units RAMInBytes, Go's ParseUint, the `runc update -r` decoding and the
# cgroup v2 conversions) for the inputs in cases.json, host.json and
# vectors.json; and the writes its fs and fs2 Manager.Set make for each case
# of set-cases.json, watched with strace. Not run in CI.
#
#   scripts/runc-golden.sh                 (clones runc v1.1.5; needs Go 1.19, as Debian 12's golang-go, and strace)
#   RUNC_SRC=/path/to/runc-1.1.5 scripts/runc-golden.sh
#
# Hugetlb page sizes come from the host running it; the output records them.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
fixtures="$here/test/fixtures/cgroup-stats"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=${RUNC_SRC:-}
if [ -z "$src" ]; then
  src="$work/runc"
  git clone --quiet --depth 1 --branch v1.1.5 https://github.com/opencontainers/runc "$src"
fi
mkdir -p "$src/contrib/cmd/h18golden"
cp "$here/scripts/runc-golden/main.go" "$src/contrib/cmd/h18golden/main.go"
(cd "$src" && go build -mod=vendor -o "$work/golden" ./contrib/cmd/h18golden)
rm -rf "$src/contrib/cmd/h18golden"
node -e '
  const fs = require("fs")
  const [cases, host] = process.argv.slice(1, 3).map((f) => JSON.parse(fs.readFileSync(f, "utf8")))
  // vectors.json holds uint64s JSON.parse would round: splice its text in as it is.
  const vectors = fs.readFileSync(process.argv[3], "utf8").trim()
  process.stdout.write(`{"stats":${JSON.stringify([...cases, ...host])},${vectors.slice(1)}`)
' "$fixtures/cases.json" "$fixtures/host.json" "$fixtures/vectors.json" | "$work/golden" > "$fixtures/golden.json"
node "$here/scripts/runc-golden/set-trace.mjs" "$work/golden" "$fixtures/set-cases.json" > "$fixtures/golden-set.json"
echo "wrote $fixtures/golden.json and $fixtures/golden-set.json"
