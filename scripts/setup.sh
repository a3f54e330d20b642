#!/usr/bin/env bash
# Set up riemann-nn on a Debian/Ubuntu machine: system packages (when root or sudo is at hand),
# a .venv with the CPU build of torch and the project. Safe to re-run: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

TORCH_PIN="torch==2.13.0"   # the CPU build; an unpinned torch pulls a multi-GB CUDA build
VENV=.venv
PYTHON=${PYTHON:-python3}

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# ---- system packages -------------------------------------------------------------------------
apt_packages=(libcairo2-dev libpango1.0-dev pkg-config fonts-dejavu-core
              texlive-latex-base texlive-latex-extra texlive-fonts-recommended dvisvgm)
command -v gcc >/dev/null 2>&1 || apt_packages+=(build-essential)
command -v "$PYTHON" >/dev/null 2>&1 || apt_packages+=(python3)
if command -v "$PYTHON" >/dev/null 2>&1; then
    "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1 || apt_packages+=(python3-venv)
    "$PYTHON" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
        || apt_packages+=(python3-dev)
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "${apt_packages[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
fi
if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ]; then as_root=(); elif command -v sudo >/dev/null 2>&1; then as_root=(sudo); else as_root=(none); fi
    if [ "${as_root[*]}" = none ]; then
        say "missing system packages (no root or sudo to install them): ${missing[*]}"
    else
        say "installing system packages (a few minutes the first time): ${missing[*]}"
        log=$(mktemp)
        if ! { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
               "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                   "${missing[@]}"; } >"$log" 2>&1; then
            tail -n 30 "$log" >&2
            echo "setup: apt-get failed (full log: $log)" >&2
            exit 1
        fi
        rm -f "$log"
    fi
fi

# ---- python environment ----------------------------------------------------------------------
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || { echo "riemann-nn needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version)" >&2; exit 1; }
[ -x "$VENV/bin/python" ] || { say "creating $VENV"; "$PYTHON" -m venv "$VENV"; }

stamp="$VENV/.riemann-nn-installed"
# Imported from / so that the installed package is checked, not the source folder beside us.
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && (cd / && "$root/$VENV/bin/python" -c 'from riemann_nn import build_run; import torch, manim') 2>/dev/null; then
    say "environment up to date"
    exit 0
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1
if ! "$VENV/bin/python" -c 'import torch, sys; sys.exit(not torch.__version__.startswith("2.13.0"))' 2>/dev/null; then
    say "installing $TORCH_PIN (CPU build)"
    "$VENV/bin/pip" install -q "$TORCH_PIN"
fi
say "installing riemann-nn and its test extras"
"$VENV/bin/pip" install -q -e '.[test]'
touch "$stamp"
say "done"
