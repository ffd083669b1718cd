#!/usr/bin/env bash
# Chromium from Debian's packages, for the browser tests of the web panel (Playwright drives it
# through executable_path; Playwright's own browser download is never used).
# Usage: chromium.sh [install|status]   (install is the default; it does nothing when present)
# Env:   CHROMIUM (/usr/bin/chromium)
COMPONENT=chromium
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

installed() { [[ -x $CHROMIUM ]]; }

version() { "$CHROMIUM" --version 2>/dev/null | head -n 1; }

install() {
  if installed; then
    info "present: $(version || echo "$CHROMIUM")"
    return 0
  fi
  command -v apt-get >/dev/null \
    || die "$CHROMIUM is missing and this is not a Debian system; install Chromium and set CHROMIUM"
  ((EUID == 0)) \
    || die "$CHROMIUM is missing; install it with 'apt-get update && apt-get install chromium' as root"
  # apt_install (common.sh) runs apt-get update first, serialised with the other scripts.
  apt_install chromium
  installed || die "the chromium package is installed but $CHROMIUM is still missing"
  version >/dev/null || die "$CHROMIUM is installed but does not start ('$CHROMIUM --version' failed)"
  info "installed: $(version)"
}

case "${1:-install}" in
  install | up) install ;;
  status)
    if installed; then info "present: $(version || echo "$CHROMIUM")"; else info "missing"; exit 1; fi
    ;;
  *) die "usage: $0 [install|status]" ;;
esac
