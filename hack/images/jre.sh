#!/usr/bin/env bash
# Links the Java runtime the operator's image runs: only the modules in src/main/jvm/modules, from
# Temurin 25 where this machine has it (JDK 25's AOT cache, JEP 483/514/515), else from JDK 17,
# saying so. jlink runs on this machine: JDK 25 links without jmods (JEP 493).
# Cached per machine, outside the repository, keyed by the JDK and the module list. Prints a
# folder holding opt/java, the build context the Dockerfile's `jre` stage stands for.
# Usage: jre.sh    (FLEETLM_JDK: a JDK home to link from instead of the one found)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${FLEETLM_IMAGES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fleetlm-operator/images}"
say() { echo "jre: $*" >&2; }
die() { echo "jre: $*" >&2; exit 1; }

jdk="${FLEETLM_JDK:-}"
if [[ -z "$jdk" ]]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/jdk-25* /opt/java/openjdk; do
    if [[ -x "$candidate/bin/jlink" ]] && grep -q '^JAVA_VERSION="25' "$candidate/release" 2>/dev/null; then
      jdk="$candidate"
      break
    fi
  done
fi
if [[ -z "$jdk" ]]; then
  for candidate in /usr/lib/jvm/java-17-openjdk* /usr/lib/jvm/temurin-17-jdk*; do
    if [[ -x "$candidate/bin/jlink" && -d "$candidate/jmods" ]]; then
      jdk="$candidate"
      say "no Temurin 25 on this machine: linking from JDK 17 ($jdk); the image gets AppCDS, not the AOT cache"
      break
    fi
  done
fi
[[ -n "$jdk" ]] || die "no JDK to link from: install Temurin 25 (or a JDK 17 with jmods), or set FLEETLM_JDK"

modules="$(grep -v '^#' "$root/src/main/jvm/modules" | paste -sd, -)"
key="$( (cat "$jdk/release" "$root/src/main/jvm/modules" "${BASH_SOURCE[0]}") | sha256sum | cut -c1-12)"
out="$cache/jre/$key"
if [[ ! -f "$out/.complete" ]]; then
  say "linking $modules from $jdk"
  rm -rf "$out" && mkdir -p "$out/opt"
  # The default CDS archive of the JDK's own classes: a JVM without it, or without the image's
  # own archive, starts slower.
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
    --generate-cds-archive --output "$out/opt/java" >&2
  touch "$out/.complete"
fi
say "$(sed -n 's/^JAVA_VERSION=//p' "$out/opt/java/release") runtime, $(du -sm "$out/opt/java" | cut -f1) MiB"
echo "$out"
