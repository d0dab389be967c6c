#!/usr/bin/env bash
# Debian's Elixir and Erlang, unpacked into a per-machine cache without installing anything (no
# root, no dpkg database): the tests that run the migration Job's Elixir expression and the FleetLM
# test double on the host need `elixir` and `elixirc` (the same Debian release as the double's
# images). An elixir already on the PATH is used as it is. Prints the bin directory on its last
# line.
set -euo pipefail
say() { echo "elixir: $*" >&2; }
if command -v elixir >/dev/null 2>&1; then
  say "using $(command -v elixir)"
  dirname "$(command -v elixir)"
  exit 0
fi
packages=(elixir erlang-base erlang-crypto erlang-inets erlang-parsetools erlang-public-key
  erlang-tools erlang-asn1 erlang-syntax-tools erlang-mnesia erlang-runtime-tools
  erlang-ssl erlang-eunit)
command -v apt-get >/dev/null 2>&1 || { say "needs apt-get (Debian) or elixir on the PATH"; exit 1; }
key="$(apt-cache policy "${packages[@]}" 2>/dev/null | grep Candidate | sha256sum | cut -c1-12)"
root="${FLEETLM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fleetlm-operator/tools}/elixir-$key"
wrappers() {
  local erlang tool
  erlang="$(ls -d "$root"/tree/usr/lib/erlang)"
  mkdir -p "$root/bin"
  for tool in elixir elixirc; do
    cat >"$root/bin/$tool" <<SCRIPT
#!/bin/sh
PATH="$erlang/bin:\$PATH" exec "$root/tree/usr/lib/elixir/bin/$tool" "\$@"
SCRIPT
    chmod +x "$root/bin/$tool"
  done
}
if [[ -f "$root/.complete" ]]; then
  [[ -x "$root/bin/elixirc" ]] || wrappers
  say "cached in $root/bin"
  echo "$root/bin"
  exit 0
fi
rm -rf "$root" && mkdir -p "$root/debs" "$root/tree"
say "downloading ${packages[*]}"
(cd "$root/debs" && apt-get download "${packages[@]}" >/dev/null 2>&1)
for deb in "$root"/debs/*.deb; do dpkg-deb -x "$deb" "$root/tree"; done
erlang="$root/tree/usr/lib/erlang"
# Debian's launch scripts name /usr/lib/erlang; point them at the unpacked tree.
for script in "$erlang"/bin/erl "$erlang"/erts-*/bin/erl "$erlang"/bin/start "$erlang"/erts-*/bin/start; do
  [[ -f "$script" ]] && sed -i "s|/usr/lib/erlang|$erlang|g" "$script"
done
wrappers
"$root/bin/elixir" -e 'IO.puts("elixir " <> System.version())' >&2
touch "$root/.complete"
echo "$root/bin"
