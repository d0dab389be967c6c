#!/usr/bin/env bash
# Builds the images the real node runs, with no registry: a pause image from pause.c, a Debian
# base (debootstrap from the apt mirror), the operator's image from the project's Dockerfile
# (runtime stage, from target/quarkus-app and the Java runtime jre.sh links), and the FleetLM test double's images (a
# Debian base with Erlang, Elixir and psql).
# Bases are cached per machine, outside the repository, keyed by their inputs. Each image is
# exported as a docker-archive; the last line printed is the folder holding the archives.
# Usage: build.sh            (run `mvn package` first: the operator image needs target/quarkus-app)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${FLEETLM_IMAGES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fleetlm-operator/images}"
suite=bookworm
# Bump when rootfs() changes what it builds: the cached bases are keyed by it, not by this file.
rootfs_recipe=2
say() { echo "images: [$(date -u +%H:%M:%S)] $*" >&2; }
die() { echo "images: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "needs root (debootstrap, buildah's storage)"
"$root/hack/node/packages.sh"
[[ -d "$root/target/quarkus-app" ]] || die "no target/quarkus-app: run 'mvn -B package -DskipTests' first"
mkdir -p "$cache/archives"
bah() { buildah --root "$cache/buildah/root" --runroot "$cache/buildah/run" --storage-driver vfs "$@"; }
key() { cat "$@" | sha256sum | cut -c1-12; }

# The apt mirror this machine uses, so debootstrap needs nothing else.
mirror() {
  local uri
  uri="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)"
  [[ -n "$uri" ]] || uri="$(awk '$1 == "deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)"
  echo "${uri:-http://deb.debian.org/debian}"
}

# A Debian minbase root filesystem with the given packages, as a tarball, built once.
rootfs() { # rootfs <name> <packages...>; prints the tarball
  local name="$1"; shift
  local id tar
  id="$(echo "$suite $(mirror) $* recipe=$rootfs_recipe" | sha256sum | cut -c1-12)"
  tar="$cache/rootfs/$name-$id.tar"
  if [[ ! -f "$tar" ]]; then
    say "debootstrap $suite + $* (first time only)"
    local dir="$cache/rootfs/$name-$id.d"
    rm -rf "$dir" && mkdir -p "$dir"
    debootstrap --variant=minbase "$suite" "$dir" "$(mirror)" >"$cache/rootfs/$name-$id.log" 2>&1 \
      || die "debootstrap failed; see $cache/rootfs/$name-$id.log"
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    # The JRE's post-install runs java, which needs /proc.
    mount -t proc proc "$dir/proc"
    local installed=0
    chroot "$dir" apt-get install -y -qq --no-install-recommends "$@" >>"$cache/rootfs/$name-$id.log" 2>&1 \
      || installed=$?
    umount "$dir/proc"
    [[ $installed == 0 ]] || die "installing $* failed; see $cache/rootfs/$name-$id.log"
    chroot "$dir" apt-get clean
    rm -rf "$dir/var/lib/apt/lists"/* "$dir/etc/resolv.conf"
    if [[ "$name" == fleetlm-base ]]; then
      chroot "$dir" groupadd --gid 1000 app
      chroot "$dir" useradd --uid 1000 --gid app --home-dir /app --no-create-home app
      # FleetLM's image ends with chown -R app:app /app: only uid 1000 can write its WORKDIR.
      mkdir -p "$dir/app" && chroot "$dir" chown app:app /app
    fi
    tar -C "$dir" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$dir"
  fi
  echo "$tar"
}

# A local image from a root filesystem tarball, committed once under its key.
base_image() { # base_image <name> <tarball>; prints the image reference
  local name="$1" tar="$2" ref
  ref="localhost/fleetlm/$name:$(basename "$tar" .tar | sed "s/^$name-//")"
  if ! bah inspect --type image "$ref" >/dev/null 2>&1; then
    say "committing $ref"
    local ctr mnt
    ctr="$(bah from scratch)"
    mnt="$(bah mount "$ctr")"
    tar -C "$mnt" -xf "$tar"
    bah umount "$ctr" >/dev/null
    bah commit -q "$ctr" "$ref" >/dev/null
    bah rm "$ctr" >/dev/null
  fi
  echo "$ref"
}

export_archive() { # export_archive <ref> <file name>
  local out="$cache/archives/$2.tar"
  rm -f "$out"
  bah push -q "$1" "docker-archive:$out:$1" >/dev/null
}

say "pause"
gcc -Os -static -Wall -Werror -o "$cache/pause" "$here/pause.c"
pause_ref="localhost/fleetlm/pause:$(key "$here/pause.c")"
if ! bah inspect --type image "$pause_ref" >/dev/null 2>&1; then
  ctr="$(bah from scratch)"
  bah copy "$ctr" "$cache/pause" /pause >/dev/null
  bah config --entrypoint '["/pause"]' "$ctr"
  bah commit -q "$ctr" "$pause_ref" >/dev/null
  bah rm "$ctr" >/dev/null
fi
export_archive "$pause_ref" pause
echo "$pause_ref" >"$cache/archives/pause.ref"

operator_rootfs="$(rootfs debian-base ca-certificates)"
operator_base="$(base_image debian-base "$operator_rootfs")"
jre="$("$here/jre.sh" | tail -n 1)"
fleetlm_rootfs="$(rootfs fleetlm-base postgresql-client ca-certificates elixir)"
fleetlm_base="$(base_image fleetlm-base "$fleetlm_rootfs")"

say "operator image from the Dockerfile (runtime stage, target/quarkus-app, the runtime jre.sh linked)"
bah build -q --layers=false --isolation chroot --target runtime --build-context "build=$root/target" \
  --build-context "jre=$jre" --build-arg "RUNTIME_IMAGE=$operator_base" -f "$root/Dockerfile" \
  -t localhost/fleetlm/operator:dev "$root" >/dev/null
export_archive localhost/fleetlm/operator:dev operator

# The FleetLM test double (hack/images/fleetlm/README.md), one image per tag.
for tag in 1 2 broken slow fastpaca; do
  context="$(mktemp -d)"
  release="$("$here/fleetlm/context.sh" "$tag" "$context")"
  say "fleetlm double :$tag"
  bah build -q --layers=false --isolation chroot --build-arg "BASE=$fleetlm_base" \
    --build-arg "RELEASE=$release" --build-arg "IMAGE=localhost/fleetlm/app:$tag" \
    -f "$here/fleetlm/Containerfile" -t "localhost/fleetlm/app:$tag" "$context" >/dev/null
  rm -rf "$context"
  export_archive "localhost/fleetlm/app:$tag" "app-$tag"
done
# Each build tags its images anew; the images it untagged would stay in buildah's storage, a full
# copy each under vfs (56 GB after a few weeks of CI, until the real node reported disk pressure
# and stopped scheduling). The bases keep their tags and stay cached.
bah rmi --prune >/dev/null
say "done"
echo "$cache/archives"
