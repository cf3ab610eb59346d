#!/usr/bin/env bash
# Set up Meute if needed, then match the Bouaké hospital tender on the embedded store.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/bootstrap.sh"
exec "$root/.venv/bin/meute" demo "$@"
