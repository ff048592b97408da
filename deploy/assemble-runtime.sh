#!/bin/sh
# Assembles the http-server's runtime tree from a built checkout: the root manifests and lockfile, every
# workspace's package.json (so the lockfile's workspaces resolve), the app bundle, the database CLI, and only
# production dependencies. The Dockerfile's build stage runs it into /runtime; the repository's tests run it into
# a temporary directory and start the result exactly as the image's CMD does.
# Usage: deploy/assemble-runtime.sh SOURCE_ROOT DEST
set -eu
src=$(cd "$1" && pwd)
dest=$2
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
cd "$src"
cp package.json package-lock.json .npmrc "$dest/"
for manifest in apps/*/package.json libs/*/package.json tools/*/package.json; do
  mkdir -p "$dest/$(dirname "$manifest")"
  cp "$manifest" "$dest/$manifest"
done
mkdir -p "$dest/apps/http-server/dist" "$dest/libs/tools-database/dist"
cp -R apps/http-server/dist/. "$dest/apps/http-server/dist/"
cp -R libs/tools-database/dist/. "$dest/libs/tools-database/dist/"
cd "$dest"
npm ci --omit=dev --workspace=@agent-mcp/http-server --ignore-scripts --no-audit --no-fund --prefer-offline
npm cache clean --force >/dev/null 2>&1 || true
