#!/usr/bin/env bash
# The built bundle on its own, as on a machine without Python: a bare environment, the
# size target, --version, and the self-test offscreen and under a real X server (Xvfb).
set -euo pipefail
bundle=${1:-dist/faceboard}
exe="$bundle/faceboard"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
bare() { env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8 "$@"; }

bytes=$(du -sb "$bundle" | cut -f1)
echo "bundle: $bundle, $((bytes / 1000000)) MB ($(du -sh "$bundle" | cut -f1)iB on disk)"
if [ "$bytes" -gt 250000000 ]; then
    echo "FAIL: the bundle is over 250 MB" >&2
    exit 1
fi
if find "$bundle" -name 'shape_predictor_68*' | grep -q .; then
    echo "FAIL: the bundle carries dlib's 68-point landmark model (non-commercial use only)" >&2
    exit 1
fi
bare "$exe" --version

self_test() {
    local launched
    launched=$(date +%s.%N)
    bare FACEBOARD_LAUNCHED_AT="$launched" "$@" "$exe" --self-test 2> >(grep -v propagateSizeHints >&2)
}
self_test QT_QPA_PLATFORM=offscreen
if command -v xvfb-run >/dev/null; then
    self_test xvfb-run -a -s "-screen 0 1600x1000x24"
else
    echo "xvfb-run is not installed: the X11 self-test was skipped (apt-get install xvfb)"
fi
