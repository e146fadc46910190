#!/usr/bin/env bash
# Back up the PostgreSQL database: a compressed custom-format dump (pg_dump -Fc).
# Usage: scripts/backup.sh DATABASE_URL [FILE]   (default FILE: qianshou-YYYYmmdd-HHMMSS.dump)
set -euo pipefail
url="${1:?usage: scripts/backup.sh DATABASE_URL [FILE]}"
file="${2:-qianshou-$(date +%Y%m%d-%H%M%S).dump}"
pg_dump --format=custom --no-owner --file="$file" "$url"
echo "$file"
