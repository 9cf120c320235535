#!/usr/bin/env bash
# Install the BIDS validator (npm package bids-validator, run by Node) for the Motion-BIDS
# export test, and print the path of its command.
#
#   scripts/install-bids-validator.sh            # into ${RAS_TOOLS_DIR:-~/.cache/ras-tools}
#
# Needs Node >= 18 and npm (Debian: `apt-get install nodejs npm`; as root this script installs
# them if missing). The package is bundled: only its own tarball is unpacked (about 120 MB),
# not its ~900 declared dependencies (700 MB) that `npm install` would bring.
set -euo pipefail

VERSION="${BIDS_VALIDATOR_VERSION:-1.15.0}"
TOOLS="${RAS_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ras-tools}"
HOME_DIR="$TOOLS/bids-validator-$VERSION"
COMMAND="$HOME_DIR/node_modules/bids-validator/bin/bids-validator"

if [ -x "$COMMAND" ]; then
    echo "$COMMAND"
    exit 0
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing nodejs and npm (apt-get)" >&2
        apt-get update -qq >&2
        # npm is its own package in Debian; a NodeSource nodejs carries npm and conflicts with it
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >&2
        command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >&2
    else
        echo "the BIDS validator needs Node and npm: sudo apt-get install nodejs npm" >&2
        exit 1
    fi
fi

major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 18 ]; then
    echo "bids-validator $VERSION needs Node >= 18; this Node is $(node --version)" >&2
    exit 1
fi

mkdir -p "$TOOLS"
work="$(mktemp -d "$TOOLS/.install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/node_modules/bids-validator"
tarball="$(cd "$work" && npm pack --silent "bids-validator@$VERSION")"
tar -xzf "$work/$tarball" -C "$work/node_modules/bids-validator" --strip-components=1
rm -f "$work/$tarball"
"$work/node_modules/bids-validator/bin/bids-validator" --version >/dev/null
rm -rf "$HOME_DIR"
mv "$work" "$HOME_DIR"
trap - EXIT
echo "$COMMAND"
