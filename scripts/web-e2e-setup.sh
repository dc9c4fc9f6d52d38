#!/usr/bin/env bash
# Idempotent installs for the web lab's real-browser end-to-end test
# (tests/web-e2e.test.ts) on a fresh Debian machine: the Debian `chromium`
# browser (with `chromium-common`, which also ships the SwiftShader Vulkan ICD
# that WebGPU uses headlessly) and the npm package `playwright-core`.
# Safe to run many times; does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends chromium chromium-common fonts-dejavu-core
fi

if [ ! -f node_modules/playwright-core/package.json ]; then
  # declared in package.json devDependencies; `npm ci` normally installs it already
  npm install --no-audit --no-fund --no-save playwright-core
fi

echo "web-e2e-setup: chromium $(/usr/bin/chromium --version 2>/dev/null || echo missing); playwright-core $(node -p "require('./node_modules/playwright-core/package.json').version" 2>/dev/null || echo missing)"
