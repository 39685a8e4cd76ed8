#!/usr/bin/env bash
# publint (package.json fields against the files a tarball really holds) and arethetypeswrong
# (`attw --pack`: do types and runtime resolve to the same module for node10, node16 CJS/ESM and
# bundler consumers) on every public package. Needs `pnpm build` first. Exits non-zero on any error.
set -uo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/node_modules/.bin"
fail=0
for dir in packages/*/ apps/ec-node/; do
  dir="${dir%/}"
  name=$(node -p "require('./$dir/package.json').name")
  ok=1
  if ! out=$(cd "$dir" && "$bin/publint" --strict 2>&1); then
    echo "lint-packages: publint $name failed:"; echo "$out"; ok=0
  fi
  # The CLI is ESM only (its small programmatic API is for ESM consumers): check it as such.
  extra=()
  [ "$dir" = apps/ec-node ] && extra=(--profile esm-only)
  if ! out=$(cd "$dir" && "$bin/attw" --pack . --format ascii "${extra[@]}" 2>&1); then
    echo "lint-packages: attw $name failed:"; echo "$out"; ok=0
  fi
  [ $ok = 1 ] || fail=1
  [ $ok = 1 ] && echo "lint-packages: $name ok (publint, attw)"
done
exit $fail
