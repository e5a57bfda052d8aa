# Finds a JDK 21+ for the iris launcher and .ci/run (sourced by both, so there is one copy).
# The machine's default java may be older (Debian's 17 cannot build or run release-21 classes).
# Defines java_major and find_jdk; sets nothing else.

# Major version of a java binary: from its JDK's release file (no JVM start), else by asking it.
java_major() {
  local java="$1" home v=""
  home="$(dirname "$(dirname "$(readlink -f "$java")")")"
  if [[ -f "$home/release" ]]; then
    v="$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")"
  fi
  if [[ -z "$v" ]]; then
    v="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  fi
  v="${v#1.}"          # 1.8.0_392 -> 8.0_392
  echo "${v%%[.+_-]*}" # 25.0.3 -> 25
}

_iris_is_21_plus() {
  local m
  [[ -x "$1" ]] || return 1
  m="$(java_major "$1")"
  [[ "$m" =~ ^[0-9]+$ ]] && (( m >= 21 ))
}

# Prints the home of a JDK 21+: JAVA_HOME, else java on the PATH, else the newest under
# /usr/lib/jvm (or IRIS_JVM_DIR). Fails (status 1, nothing printed) when there is none.
find_jdk() {
  local cand best="" best_major=0 m d
  if [[ -n "${JAVA_HOME:-}" ]] && _iris_is_21_plus "$JAVA_HOME/bin/java"; then
    echo "$JAVA_HOME"; return 0
  fi
  if cand="$(command -v java)" && _iris_is_21_plus "$cand"; then
    dirname "$(dirname "$(readlink -f "$cand")")"; return 0
  fi
  for d in "${IRIS_JVM_DIR:-/usr/lib/jvm}"/*; do
    [[ -x "$d/bin/java" ]] || continue
    m="$(java_major "$d/bin/java")"
    if [[ "$m" =~ ^[0-9]+$ ]] && (( m >= 21 && m > best_major )); then
      best="$d"; best_major="$m"
    fi
  done
  [[ -n "$best" ]] && { echo "$best"; return 0; }
  return 1
}
