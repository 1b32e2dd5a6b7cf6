#!/usr/bin/env bash
# Packs what a bare x86-64 Linux machine without Open MPI or our libraries needs to run the MPI
# jobs (bench/device_scaling.sh): the Release binaries, this machine's Open MPI relocated into one
# folder, and every shared library they load except the C library itself. Writes DIR (default
# .devbundle, which git ignores through .git/info/exclude) with env.sh; on the other machine:
#   source DIR/env.sh && bench/device_scaling.sh
# Usage: bench/device_bundle.sh [DIR]     (needs build/bin from scripts/setup.sh)
# The bundle is ~85 MB (ICU's data is 31 MB of it); `tar -cJf .devcarry/bundle.tar.xz .devbundle`
# makes it ~22 MB for a machine that takes at most 64 MB of files per call.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-.devbundle}
JOBS=(tweetgen top_terms load_tweets tweet_features profanity_index)
rm -rf "$DIR"
mkdir -p "$DIR/build/bin" "$DIR/ompi/usr/bin" "$DIR/ompi/usr/lib/x86_64-linux-gnu" \
  "$DIR/ompi/usr/share" "$DIR/ompi/etc" "$DIR/lib"
for j in "${JOBS[@]}"; do
  cp "build/bin/$j" "$DIR/build/bin/"
  strip "$DIR/build/bin/$j"
done
cp /usr/bin/orterun /usr/bin/orted "$DIR/ompi/usr/bin/"
ln -s orterun "$DIR/ompi/usr/bin/mpirun"
cp -a /usr/lib/x86_64-linux-gnu/openmpi "$DIR/ompi/usr/lib/x86_64-linux-gnu/"
rm -rf "$DIR/ompi/usr/lib/x86_64-linux-gnu/openmpi/include"
cp -a /usr/share/openmpi "$DIR/ompi/usr/share/"
cp -a /etc/openmpi "$DIR/ompi/etc/"
# Every library the binaries and Open MPI's plugins load, but the C library and the loader (the
# other machine's newer glibc serves binaries built against this one).
{
  for f in "$DIR"/build/bin/* "$DIR"/ompi/usr/bin/orte* \
    $(find "$DIR/ompi/usr/lib" -name '*.so*' -type f); do
    ldd "$f" 2>/dev/null | awk '$3 ~ /^\// {print $3}'
  done
} | sort -u | grep -vE '/(libc|libm|libdl|libpthread|librt|ld-linux-x86-64)\.so' |
  while read -r lib; do cp -L "$lib" "$DIR/lib/"; done
cat >"$DIR/env.sh" <<'EOF'
# Sourced on the machine that runs the bundle.
_b=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export OPAL_PREFIX=$_b/ompi/usr OPAL_SYSCONFDIR=$_b/ompi/etc/openmpi
export PATH=$_b/ompi/usr/bin:$PATH
export LD_LIBRARY_PATH=$_b/ompi/usr/lib/x86_64-linux-gnu/openmpi/lib:$_b/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export RANKFLOW_BUILD_DIR=$_b/build
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
EOF
du -sh "$DIR"
