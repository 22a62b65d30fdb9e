#!/usr/bin/env bash
# The steps of CI, in one place: `.ci/run` (here, offline but for the package registries) and
# `.github/workflows/ci.yml` (on GitHub) both run this script, so that the two cannot drift
# apart. It sets up from nothing the way the README says, then tests and builds the book.
#
# MNIST: the folder that PPN_DATA_DIR names (`.ci/run` sets it to the offline copy beside the
# repository); without it (on GitHub), load_mnist()'s checked download, into its cache.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
grouped=""
step() {
  if [ "${GITHUB_ACTIONS:-}" = true ]; then
    # On GitHub each step folds into a group of the log.
    [ -z "$grouped" ] || echo "::endgroup::"
    grouped=1
    echo "::group::$1 ($((SECONDS - started))s)"
  else
    printf '\n=== %s (%ds)\n' "$1" $((SECONDS - started))
  fi
}
export HYPOTHESIS_PROFILE=ci

step "fresh virtual environment and the README's install"
rm -rf .venv
python3 -c 'import sys; assert sys.version_info >= (3, 11), sys.version'
# The README's first command, one part a line (its build runs below, after the tests).
export PIP_QUIET=1 # pip's progress bars; the commands stay the README's own
python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --upgrade pip
pip install -r requirements.txt
unset PIP_QUIET

step "MNIST: the folder PPN_DATA_DIR names, or else load_mnist()'s checked download"
if [ -z "${PPN_DATA_DIR:-}" ]; then
  # From the public mirrors, each file checked against its published SHA-256, into the
  # cache (~/.cache/ppn/mnist), which the GitHub workflow keeps between runs: all 60,000
  # training images; the chapters and the book train on the first 10,000.
  python -c 'from ppn import data; data.load_mnist()'
  PPN_DATA_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/ppn/mnist"
  export PPN_DATA_DIR
fi
# Without the files the MNIST tests would be skipped, not failed: stop here instead.
if [ ! -f "$PPN_DATA_DIR/t10k-images-idx3-ubyte.gz" ]; then
  echo "no MNIST in PPN_DATA_DIR=$PPN_DATA_DIR (README, Data)" >&2
  exit 1
fi
echo "PPN_DATA_DIR=$PPN_DATA_DIR"

step "style: ruff"
ruff check .
ruff format --check .

step "notebooks match their .py twins"
python scripts/notebooks.py check-sync

step "chapters use only MyST that JupyterLab renders"
python scripts/notebooks.py check-myst

step "main line: every chapter one sitting (45 min), a summary, marked exercises, no build vocabulary, code that fits"
python scripts/chapters.py --check

step "one address: no file but _config.yml names the repository"
python scripts/notebooks.py check-url

step "workflows: GitHub's schema (check-jsonschema's own copy, offline), the student edition's too"
edition="$(mktemp -d)"
python scripts/notebooks.py student-edition "$edition" >/dev/null
check-jsonschema --builtin-schema vendor.github-workflows \
  .github/workflows/*.yml "$edition/.github/workflows/classroom.yml"
rm -rf "$edition"

step "tests: pytest --nbval (tests/ and every notebook in book/)"
pytest --nbval

step "notebooks on another CPU and backend (Prescott, Agg); beside it, the student edition with every task written"
# The stored outputs must not depend on this machine: another BLAS kernel (Prescott is the
# oldest x86-64 kernel OpenBLAS has) and the Agg backend that many CIs export, in one run.
# Meanwhile, on the other core (every notebook uses one thread), a fresh student edition
# with each stub filled by the reference's body runs its checks and every notebook top to
# bottom, and has no dead link: what a student who writes every task correctly will see.
filled_log="$(mktemp)"
python scripts/notebooks.py check-filled-edition >"$filled_log" 2>&1 &
filled=$!
prescott=0
OPENBLAS_CORETYPE=Prescott MPLBACKEND=Agg pytest --nbval book || prescott=$?
filled_status=0
wait "$filled" || filled_status=$?
cat "$filled_log"
if [ "$prescott" -ne 0 ] || [ "$filled_status" -ne 0 ]; then
  echo "Prescott run: exit $prescott; the filled student edition: exit $filled_status" >&2
  exit 1
fi

step "student edition: its task checks fail, one task at least each; it imports; its notebooks run up to their first task"
# In the repository the same checks pass (tests/tasks, in the pytest run above), and
# tests/test_student_edition.py fills every stub back with the reference and runs them.
python scripts/notebooks.py check-student-edition

step "book: jupyter-book build with warnings as errors"
rm -rf _build
jupyter-book build --all -W -n --keep-going .

step "browser: every page of the built book in headless Chromium, offline"
# Debian's chromium here, installed if missing; GitHub's Ubuntu runners have a Chromium of
# their image's own at /usr/bin/chromium. tests/browser drives it over a pipe.
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if command -v chromium >/dev/null 2>&1; then
  PPN_BROWSER_TEST=1 pytest tests/browser --ignore=tests/browser/test_jupyterlab.py
  # Chapters in JupyterLab (jupyterlab-myst), its own server on 127.0.0.1: no raw MyST.
  PPN_BROWSER_TEST=1 pytest tests/browser/test_jupyterlab.py # screenshots in _build/screenshots/
elif [ "${GITHUB_ACTIONS:-}" = true ]; then
  echo "::error::no chromium on the runner: the browser tests cannot run"
  exit 1
else
  echo "browser test skipped: no chromium, and no apt-get to install it"
fi

step "done"
[ -z "$grouped" ] || echo "::endgroup::"
