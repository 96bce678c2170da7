#!/usr/bin/env bash
# Installs every tool the portal needs to build, run and test, skipping each step that is already satisfied.
# Follows the recipe in ../shared/TOOLCHAIN.md: only the package registries are reachable, so every tool comes
# from crates.io, npm or Debian, never from a GitHub download.
#   scripts/setup.sh build   -> what `make run` needs (Rust targets, cargo-leptos, wasm-bindgen, wasm-opt)
#   scripts/setup.sh test    -> the above plus Chromium, PostgreSQL binaries and the end2end npm packages
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
BINARYEN_NPM_VERSION=132
what=${1:-build}
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    apt-get update -qq
    apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Installs a crate from its .crate file with one dependency pinned back, for crates whose own lockfile names a
# version this toolchain or the registry cannot provide (see TOOLCHAIN.md).
install_crate_with_pin() {
  local name=$1 version=$2 pin_pkg=$3 pin_version=$4
  cargo install "$name" --version "$version" --locked >/dev/null 2>&1 || true
  if "${name%-cli}" --version 2>/dev/null | grep -q "$version"; then return; fi
  local crate dir
  crate=$(ls "$HOME"/.cargo/registry/cache/*/"$name-$version.crate" | head -n 1)
  dir=$(mktemp -d)
  tar xzf "$crate" -C "$dir"
  (cd "$dir/$name-$version" && cargo update -p "$pin_pkg" --precise "$pin_version" && \
     CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo install --path . --locked --force)
  rm -rf "$dir"
}

wasm_bindgen_version() {
  if [ -f Cargo.lock ]; then
    awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock
  else
    sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml
  fi
}

rustup target list --installed | grep -q wasm32-unknown-unknown || { log "rustup target add wasm32"; rustup target add wasm32-unknown-unknown; }
for component in clippy rustfmt; do
  rustup component list --installed | grep -q "^$component" || rustup component add "$component"
done

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 10 minutes on 2 cores)"
  install_crate_with_pin cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1
fi

wbg=$(wasm_bindgen_version)
if ! wasm-bindgen --version 2>/dev/null | grep -q "$wbg"; then
  log "installing wasm-bindgen-cli $wbg"
  install_crate_with_pin wasm-bindgen-cli "$wbg" webpki-roots 1.0.10
fi

# Debian's binaryen (wasm-opt 108) silently breaks hydration; the npm build of binaryen 132 is correct.
if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_NPM_VERSION"; then
  log "installing wasm-opt (binaryen@$BINARYEN_NPM_VERSION from npm)"
  npm i -g "binaryen@$BINARYEN_NPM_VERSION" >/dev/null
fi

if [ "$what" = test ]; then
  command -v chromium >/dev/null || apt_install chromium
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then apt_install postgresql; fi
  if [ ! -d end2end/node_modules ] || [ end2end/package-lock.json -nt end2end/node_modules ]; then
    log "npm ci in end2end"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
fi
log "toolchain ready"
