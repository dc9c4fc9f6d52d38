#!/bin/sh
# What a fresh Debian 12 machine needs for headless WebGPU (no GPU):
#  - Node: Dawn from the npm package `webgpu` (a devDependency) plus a Vulkan
#    driver: SwiftShader, shipped in Debian's chromium-common
#    (/usr/lib/chromium/vk_swiftshader_icd.json; the backend selects it through
#    VK_ICD_FILENAMES by itself) and the Vulkan loader libvulkan1.
#  - Deno: the npm package `deno` (a devDependency); its navigator.gpu uses Mesa
#    llvmpipe, present on a stock machine.
# Idempotent and quiet: installs only what is missing. Run from the repository root.
set -e
need=""
dpkg -s libvulkan1 >/dev/null 2>&1 || need="$need libvulkan1"
[ -f /usr/lib/chromium/vk_swiftshader_icd.json ] || need="$need chromium-common"
if [ -n "$need" ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi
if [ ! -f node_modules/webgpu/package.json ] || [ ! -f node_modules/deno/package.json ]; then
  npm install --no-audit --no-fund --silent
fi
node shaders/embed.mjs --quiet
