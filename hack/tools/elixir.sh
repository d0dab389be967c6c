#!/usr/bin/env bash
# Debian's Elixir and Erlang, unpacked into a per-machine cache without installing anything (no
# root, no dpkg database): the tests that run the migration Job's Elixir expression and the FleetLM
# test double on the host need `elixir` and `elixirc` (the same Debian release as the double's
# images), and the double needs `psql`: Debian's client is unpacked beside them when the machine
# has none. An elixir already on the PATH is used as it is. Prints the bin directory on its last
# line.
set -euo pipefail
say() { echo "elixir: $*" >&2; }
if command -v elixir >/dev/null 2>&1; then
  command -v psql >/dev/null 2>&1 || say "warning: no psql on the PATH; the FleetLM double needs it"
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
# psql (and libpq) from Debian's packages, for a machine without a PostgreSQL client.
client() {
  command -v psql >/dev/null 2>&1 && return 0
  [[ -x "$root/bin/psql" ]] && return 0
  local versioned
  versioned="$(apt-cache depends postgresql-client 2>/dev/null | sed -n 's/.*Depends: \(postgresql-client-[0-9]*\)$/\1/p' | head -n 1)"
  say "downloading $versioned libpq5"
  (cd "$root/debs" && apt-get download "$versioned" libpq5 >/dev/null 2>&1)
  for deb in "$root"/debs/postgresql-client-*.deb "$root"/debs/libpq5_*.deb; do dpkg-deb -x "$deb" "$root/tree"; done
  cat >"$root/bin/psql" <<SCRIPT
#!/bin/sh
LD_LIBRARY_PATH="$root/tree/usr/lib/x86_64-linux-gnu:$root/tree/usr/lib/aarch64-linux-gnu" \\
  exec "$(ls "$root"/tree/usr/lib/postgresql/*/bin/psql | head -n 1)" "\$@"
SCRIPT
  chmod +x "$root/bin/psql"
}
if [[ -f "$root/.complete" ]]; then
  [[ -x "$root/bin/elixirc" ]] || wrappers
  client
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
client
"$root/bin/elixir" -e 'IO.puts("elixir " <> System.version())' >&2
touch "$root/.complete"
echo "$root/bin"
