#!/usr/bin/env bash
# Builds examples/hello-iris on its own against *installed* Iris artifacts, as a project outside
# this repository would: installs Iris into a private local repository (never ~/.m2, which other
# builds share), then runs the example's own build and test against it. The root build already
# builds and tests the example inside the reactor; this checks the installed BOM and poms.
#   scripts/example-against-install.sh [REPO_DIR] [MAVEN ARGS...]   (e.g. -o with a pre-filled REPO_DIR)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# shellcheck source=find-jdk.sh
source "$here/scripts/find-jdk.sh"
JAVA_HOME="$(find_jdk)" || { echo "example-against-install: no JDK 21+ found" >&2; exit 1; }
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
repo="${1:-$(mktemp -d -t iris-m2-XXXXXX)}"
shift || true
echo "example-against-install: installing Iris into $repo" >&2
(cd "$here" && ./mvnw -B -q install -DskipTests -Dmaven.repo.local="$repo" "$@")
echo "example-against-install: building examples/hello-iris against it" >&2
(cd "$here/examples/hello-iris" && ../../mvnw -B -q verify -Dmaven.repo.local="$repo" "$@")
echo "example-against-install: ok ($repo)" >&2
