#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into an EMPTY database (create it first).
# Usage: scripts/restore.sh FILE DATABASE_URL
set -euo pipefail
file="${1:?usage: scripts/restore.sh FILE DATABASE_URL}"
url="${2:?usage: scripts/restore.sh FILE DATABASE_URL}"
pg_restore --no-owner --exit-on-error --dbname="$url" "$file"
echo "restored $file"
