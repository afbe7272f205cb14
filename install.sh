#!/bin/sh
# Installs codex-mcp from a release: picks the archive for this OS and CPU, checks it against the
# release's SHA256SUMS, and puts the binary in ~/.local/bin (or PREFIX/bin).
#
#   curl -fsSL https://github.com/codex-mcp/codex-mcp/releases/latest/download/install.sh | sh
#   sh install.sh [--version V] [--prefix DIR] [--base-url URL]
#
# --base-url (or CODEX_MCP_INSTALL_BASE_URL) points at a mirror holding the files as
# URL/v<version>/<name>, and the newest version number in URL/latest/VERSION. Nothing is changed
# unless every step succeeds: a failed download, an unknown platform or a checksum mismatch stops
# it before the binary is touched.
set -eu

REPO="codex-mcp/codex-mcp"
version=""
prefix="${HOME:-}/.local"
base_url="${CODEX_MCP_INSTALL_BASE_URL:-}"

say() { printf '%s\n' "$*"; }
fail() {
  printf 'codex-mcp install: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<EOF
Usage: install.sh [--version V] [--prefix DIR] [--base-url URL]

  --version V      install version V (default: the latest release)
  --prefix DIR     install the binary as DIR/bin/codex-mcp (default: ~/.local)
  --base-url URL   download from a mirror: URL/v<version>/<file>, URL/latest/VERSION
                   (also CODEX_MCP_INSTALL_BASE_URL; default: GitHub releases of $REPO)
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || fail "--version needs a value"; version="$2"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    --prefix) [ $# -ge 2 ] || fail "--prefix needs a directory"; prefix="$2"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --base-url) [ $# -ge 2 ] || fail "--base-url needs a URL"; base_url="$2"; shift 2 ;;
    --base-url=*) base_url="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; fail "unknown option $1" ;;
  esac
done
[ -n "$prefix" ] || fail "no HOME: pass --prefix DIR"
version="${version#v}"

# The platform, spelt as the release names its archives.
case "$(uname -s)" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  *) fail "no release for this system ($(uname -s)); on Windows use install.ps1. Releases: linux and darwin, x64 and arm64" ;;
esac
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  arm64 | aarch64) arch=arm64 ;;
  *) fail "no release for this processor ($(uname -m)); releases are for x64 and arm64" ;;
esac
if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
  arch=arm64 # a shell under Rosetta on Apple silicon: the native build is the right one
fi

if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsSL --retry 2 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  fail "neither curl nor wget is installed"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  fail "neither sha256sum nor shasum is installed: the download cannot be checked"
fi

tmp="$(mktemp -d 2>/dev/null || mktemp -d -t codex-mcp)"
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ -z "$version" ]; then
  if [ -n "$base_url" ]; then latest="$base_url/latest/VERSION"; else latest="https://github.com/$REPO/releases/latest/download/VERSION"; fi
  fetch "$latest" "$tmp/VERSION" || fail "could not find the latest version ($latest); pass --version V"
  version="$(tr -d ' \r\n' <"$tmp/VERSION")"
  version="${version#v}"
fi
case "$version" in
  *[!0-9A-Za-z.+-]* | "") fail "not a version: '$version'" ;;
esac
[ -n "$base_url" ] || base_url="https://github.com/$REPO/releases/download"

name="codex-mcp-$version-$os-$arch.tar.gz"
say "codex-mcp $version for $os-$arch"
fetch "$base_url/v$version/SHA256SUMS" "$tmp/SHA256SUMS" || fail "could not download $base_url/v$version/SHA256SUMS (is $version a release?)"
fetch "$base_url/v$version/$name" "$tmp/$name" || fail "could not download $base_url/v$version/$name"

expected="$(awk -v n="$name" '$2 == n || $2 == "*" n { print $1 }' "$tmp/SHA256SUMS")"
[ -n "$expected" ] || fail "SHA256SUMS has no line for $name"
actual="$(sha256 "$tmp/$name")"
[ "$expected" = "$actual" ] || fail "checksum mismatch for $name (expected $expected, got $actual): nothing was installed"

mkdir "$tmp/unpacked"
tar -xzf "$tmp/$name" -C "$tmp/unpacked" || fail "could not unpack $name"
[ -f "$tmp/unpacked/codex-mcp" ] || fail "$name holds no codex-mcp binary"
chmod 755 "$tmp/unpacked/codex-mcp"
"$tmp/unpacked/codex-mcp" --version >/dev/null 2>&1 || fail "the downloaded binary does not run on this machine"

# Into place in one rename, so a running codex-mcp or a half-copied file never sits at the target.
bin="$prefix/bin"
mkdir -p "$bin"
cp "$tmp/unpacked/codex-mcp" "$bin/.codex-mcp.partial.$$"
mv -f "$bin/.codex-mcp.partial.$$" "$bin/codex-mcp"

say "installed $("$bin/codex-mcp" --version)"
say "  at $bin/codex-mcp"
case ":${PATH:-}:" in
  *":$bin:"*) ;;
  *) say "  $bin is not on your PATH; add it, e.g.: export PATH=\"$bin:\$PATH\"" ;;
esac
say ""
say "Next: add it to your MCP client, e.g."
say "  $bin/codex-mcp install claude-code     (or claude-desktop, cursor, codex, vscode)"
say "and check that Codex is ready:"
say "  $bin/codex-mcp doctor"
