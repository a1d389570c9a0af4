#!/usr/bin/env bash
# Cold build times of two commits, measured in one run (BENCHMARKS.md, "Build time"):
#   cold `cargo build --release -p hh-mcp` and cold `cargo check -p hh-api --all-features`,
# each in a fresh target directory, one after the other on the same machine.
#
#   crates/hh-bench/build-times.sh BEFORE [AFTER]     (AFTER defaults to HEAD)
#
# Needs nothing but git and the Rust toolchain; the dependencies are fetched first, so the
# figures are compile time, not download time.
set -euo pipefail
before=${1:?usage: build-times.sh BEFORE [AFTER]}
after=${2:-HEAD}
repo=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'git -C "$repo" worktree remove --force "$work/before" >/dev/null 2>&1 || true;
      git -C "$repo" worktree remove --force "$work/after" >/dev/null 2>&1 || true;
      rm -rf "$work"' EXIT

seconds() { # seconds COMMAND... — wall time of a command, in whole seconds
  local start=$SECONDS
  "$@" >/dev/null 2>&1
  echo $((SECONDS - start))
}

for side in before after; do
  rev=${!side}
  git -C "$repo" worktree add --detach "$work/$side" "$rev" >/dev/null 2>&1
  (cd "$work/$side" && cargo fetch --locked >/dev/null 2>&1)
done

printf '%-8s %-12s %s\n' side commit "cold release build of hh-mcp / cold check of hh-api --all-features (s)"
for side in before after; do
  dir="$work/$side"
  commit=$(git -C "$dir" rev-parse --short HEAD)
  build=$(cd "$dir" && CARGO_TARGET_DIR="$work/target-$side-build" seconds cargo build --release --locked -p hh-mcp)
  check=$(cd "$dir" && CARGO_TARGET_DIR="$work/target-$side-check" seconds cargo check --locked -p hh-api --all-features)
  lines=$(wc -l < "$dir/crates/hh-api/src/generated.rs")
  printf '%-8s %-12s %s s / %s s   (generated.rs: %s lines)\n' "$side" "$commit" "$build" "$check" "$lines"
  rm -rf "$work/target-$side-build" "$work/target-$side-check"
done
