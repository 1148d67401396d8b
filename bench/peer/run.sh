#!/usr/bin/env bash
# Runs the jieba + BM25 peer (bench/peer/peer.py) in its own venv, forwarding every argument:
#   bash bench/peer/run.sh --corpus corpus --questions tests/data/qa-dev.jsonl [--repeat N]
# The venv is made at ${PEER_VENV:-target/peer-venv} (relative to the repository root) if missing,
# and the pinned requirements are installed into it from PyPI (a no-op once they are there).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${PEER_VENV:-$root/target/peer-venv}"
python="${PYTHON:-python3}"

if [[ ! -x "$venv/bin/python" ]]; then
    if ! "$python" -m venv "$venv"; then
        echo "peer: could not create a venv at $venv (on Debian: apt-get install -y python3-venv)" >&2
        exit 1
    fi
fi
PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt" >&2
exec "$venv/bin/python" "$here/peer.py" "$@"
