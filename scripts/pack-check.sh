#!/usr/bin/env bash
# The packages as a stranger gets them. Packs every public package, serves the tarballs from a
# throwaway local registry for the @ec scope only (scripts/pack-check/registry.mjs: nothing is
# published, no @ec name is ever asked of the public registry), and in an empty temp project (no
# workspace) installs them with npm by name, then:
#   1. imports each library with `import` and with `require()` (and a shipped vector by subpath);
#   2. type-checks a consumer (ESM .ts and CommonJS .cts) under moduleResolution nodenext and bundler;
#   3. installs the CLI globally into a temp prefix, checks it ships the browser page, runs
#      `ec-node --version` and `ec-node demo --duration 6s --serve-http off`, then checks the HLS
#      playlist it wrote and that it printed the browser page's URL;
#   4. runs publint and `attw --pack` on every package (scripts/lint-packages.sh).
# Third-party dependencies come from npm's cache (--prefer-offline, $EC_PACK_CHECK_CACHE or
# ~/.cache/ec-pack-check/npm) when it has them, else the registry.
# Needs `pnpm build` first (`pnpm test` builds). Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
start=$SECONDS
step() { echo "pack-check: $* ($((SECONDS - start)) s)"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ec-pack-check.XXXXXX")
reg_pid=""
cleanup() {
  [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
cache="${EC_PACK_CHECK_CACHE:-$HOME/.cache/ec-pack-check/npm}"
mkdir -p "$cache" "$work/tgz"

libs=()
for dir in packages/*/ apps/ec-node/; do
  dir=${dir%/}
  (cd "$dir" && pnpm pack --pack-destination "$work/tgz" >/dev/null)
  [ "$dir" = apps/ec-node ] || libs+=("$(node -p "require('./$dir/package.json').name")")
done
step "packed ${#libs[@]} libraries and the CLI: $(cd "$work/tgz" && du -ch ./*.tgz | tail -1 | cut -f1) in all"

node scripts/pack-check/registry.mjs "$work/tgz" >"$work/registry.url" 2>"$work/registry.err" &
reg_pid=$!
for _ in $(seq 50); do [ -s "$work/registry.url" ] && break; sleep 0.1; done
[ -s "$work/registry.url" ] || { echo "pack-check: the local registry did not start: $(cat "$work/registry.err")"; exit 1; }
npm_args=(--cache "$cache" --@ec:registry="$(cat "$work/registry.url")" --ignore-scripts --no-audit --no-fund --loglevel=error)

# npm install with --prefer-offline: third-party packages come from npm's cache without a staleness
# check when it has them (every run after the first), from the registry otherwise; @ec names always
# from the local registry (its port changes per run, so they are never "cached").
npm_install() {
  npm install --prefer-offline "${npm_args[@]}" "$@" >"$work/npm.log" 2>&1 || {
    echo "pack-check: npm install $* failed:"; cat "$work/npm.log"; exit 1
  }
}

# 1. An empty project, libraries by name.
app="$work/app"
mkdir -p "$app"
echo '{ "name": "stranger-app", "private": true, "type": "module" }' >"$app/package.json"
(cd "$app" && npm_install "${libs[@]}" @types/node@20 "typescript@$(node -p "require('$repo/node_modules/typescript/package.json').version")")
[ ! -e "$app/pnpm-workspace.yaml" ] && [ ! -L "$app/node_modules/@ec/manifest" ] || { echo "pack-check: not a plain npm install"; exit 1; }
step "installed ${libs[*]} with npm"

cp scripts/pack-check/consumer/* "$app/"
(cd "$app" && node import.mjs && node require.cjs) || { echo "pack-check: import/require failed"; exit 1; }

# 2. Type-check a consumer: nodenext (ESM .ts and CommonJS .cts) and bundler.
tsc="$app/node_modules/typescript/bin/tsc"
common=(--noEmit --strict --target es2022 --lib es2022,dom --types node)
(cd "$app" && node "$tsc" "${common[@]}" --module nodenext --moduleResolution nodenext check.ts check-cjs.cts) || { echo "pack-check: tsc nodenext failed"; exit 1; }
(cd "$app" && node "$tsc" "${common[@]}" --module esnext --moduleResolution bundler check.ts) || { echo "pack-check: tsc bundler failed"; exit 1; }
step "consumer type-checks under nodenext (ESM + CJS) and bundler"

# 3. The CLI, installed globally into a temp prefix, by name, as `npm i -g @ec/ec-node`.
prefix="$work/global"
npm_install -g --prefix "$prefix" @ec/ec-node
ec="$prefix/bin/ec-node"
want="ec-node $(node -p "require('./apps/ec-node/package.json').version")"
got=$("$ec" --version)
[ "$got" = "$want" ] || { echo "pack-check: ec-node --version printed \"$got\", want \"$want\""; exit 1; }
step "installed @ec/ec-node globally; $got"
# The browser verifying page (@ec/web-peer's build) ships inside the CLI for --serve-web.
if [ -d packages/web-peer ]; then
  [ -f "$prefix/lib/node_modules/@ec/ec-node/web-peer/index.html" ] || {
    echo "pack-check: @ec/ec-node does not ship the browser page (web-peer/index.html)"; exit 1
  }
fi

run="$work/run"
mkdir -p "$run"
(cd "$run" && timeout 180 "$ec" demo --duration 6s --serve-http off >demo.out 2>demo.err) || {
  echo "pack-check: ec-node demo failed:"; tail -20 "$run/demo.err"; exit 1
}
# The demo's own verdict (every object verified, none rejected), then the files as a player reads them.
grep -Eq '^done: [0-9]+ segments, .* verified; objects accepted [1-9][0-9]*, rejected none; manifests accepted [1-9]' "$run/demo.out" || {
  echo "pack-check: the demo did not report a clean verified run:"; tail -5 "$run/demo.out"; exit 1
}
node scripts/pack-check/check-hls.mjs "$run/demo-out/hls" || { tail -20 "$run/demo.out"; exit 1; }
if [ -d packages/web-peer ]; then
  grep -Eq '^  browser: +https?://' "$run/demo.out" || { echo "pack-check: the demo printed no browser page URL:"; cat "$run/demo.out"; exit 1; }
fi
step "ec-node demo --duration 6s wrote a verified HLS playlist"

# 4. publint and arethetypeswrong on every package.
scripts/lint-packages.sh
step "all checks passed"
