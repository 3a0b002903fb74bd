#!/usr/bin/env bash
# Installs what Cohort needs from Debian 12 packages, skipping what is there.
# Run as root (or with sudo available).
set -euo pipefail
PKGS=(
  g++ make cmake                 # toolchain (CMake >= 3.25)
  default-jre-headless antlr4    # the ANTLR 4.7.2 tool generates the parser at build time
  libantlr4-runtime-dev          # ANTLR C++ runtime 4.9
  llvm-19-dev                    # the JIT (ORC LLJIT), linked as a shared library
  libfmt-dev doctest-dev nlohmann-json3-dev libfast-float-dev
  libedit-dev                    # REPL line editing (BSD licence)
  tmux                           # drives the REPL in a real terminal in tests
  neovim                         # a real LSP client for the language-server tests
  ccache                         # cached compiles (the build uses it when present)
  libssl-dev                     # SHA-256 (OpenSSL libcrypto) for the audit log
  libflatbuffers-dev flatbuffers-compiler   # Arrow IPC (Schema.fbs/Message.fbs/File.fbs)
  libpq-dev postgresql           # PostgreSQL source/target; tests start throwaway clusters
  clang-19 libclang-rt-19-dev    # libFuzzer targets (ctest -L fuzz)
  clang-tidy-19                  # scripts/tidy.sh (ctest clang_tidy)
  chromium                       # headless browser test of the HTML report
)
# Test tooling only (DuckDB, apache-arrow, SARIF validator) comes from npm; the
# machine image ships Node.js with npm; elsewhere Debian's packages provide them.
command -v npm > /dev/null || PKGS+=(nodejs npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: everything is installed"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
