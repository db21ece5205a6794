#!/bin/sh
# make-image.sh OUTDIR [ROOTFS]: the busybox test image, in the two forms engines import.
#
#   OUTDIR/busybox-rootfs.tar  a plain tar of the rootfs (podman import, docker import)
#   OUTDIR/busybox-oci.tar     an OCI image-layout archive (ctr image import, podman load):
#                              oci-layout, index.json, blobs/sha256/{layer (tar+gzip),
#                              image config (rootfs.diff_ids, Env, Cmd ["sh"]), manifest}
#
# ROOTFS defaults to $RSRUN_TEST_ROOTFS (/var/tmp/rsrun-test/rootfs). The image is named
# $RSRUN_IMAGE_NAME (default localhost/rsrun-busybox:latest), in both the OCI ref.name
# annotation and containerd's io.containerd.image.name, so `ctr image import` needs no
# --base-name. Output is deterministic: names sorted, owner root, mtimes $SOURCE_DATE_EPOCH
# (default 0), gzip without name or time. Only files, directories and symlinks go in: an
# image does not carry device nodes (engines make /dev), and rootless unpacking cannot mknod.
# Needs sh, find, sort, tar, gzip, sha256sum and jq. Prints the two paths.
set -eu

out=${1:?usage: make-image.sh OUTDIR [ROOTFS]}
rootfs=${2:-${RSRUN_TEST_ROOTFS:-/var/tmp/rsrun-test/rootfs}}
name=${RSRUN_IMAGE_NAME:-localhost/rsrun-busybox:latest}
epoch=${SOURCE_DATE_EPOCH:-0}

[ -x "$rootfs/bin/busybox" ] || { echo "make-image.sh: no busybox rootfs at $rootfs" >&2; exit 1; }
for tool in tar gzip sha256sum jq find sort; do
    command -v "$tool" >/dev/null || { echo "make-image.sh: $tool is required" >&2; exit 1; }
done
case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    armv7l) arch=arm ;;
    *) arch=$(uname -m) ;;
esac

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "$out/.make-image.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The member list: sorted, special files left out (said once, by name).
(cd "$rootfs" && find . -mindepth 1 \( -type f -o -type d -o -type l \) -print | LC_ALL=C sort) > "$work/list"
skipped=$(cd "$rootfs" && find . -mindepth 1 ! -type f ! -type d ! -type l -print | LC_ALL=C sort | tr '\n' ' ')
[ -z "$skipped" ] || echo "make-image.sh: left out (not a file, directory or symlink): $skipped" >&2

tar -C "$rootfs" --format=gnu --no-recursion --owner=0 --group=0 --numeric-owner \
    --mtime="@$epoch" -cf "$work/layer.tar" -T "$work/list"
cp "$work/layer.tar" "$out/busybox-rootfs.tar"

digest() { sha256sum "$1" | cut -d' ' -f1; }
size() { wc -c < "$1" | tr -d ' '; }

blobs=$work/oci/blobs/sha256
mkdir -p "$blobs"
diff_id=$(digest "$work/layer.tar")
gzip -n -9 -c "$work/layer.tar" > "$work/layer.tar.gz"
layer=$(digest "$work/layer.tar.gz")
layer_size=$(size "$work/layer.tar.gz")
mv "$work/layer.tar.gz" "$blobs/$layer"

created=$(jq -rn --argjson t "$epoch" '$t | todate')
jq -cn --arg arch "$arch" --arg diff "sha256:$diff_id" --arg created "$created" '{
    created: $created, architecture: $arch, os: "linux",
    config: {Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"], WorkingDir: "/"},
    rootfs: {type: "layers", diff_ids: [$diff]},
    history: [{created: $created, created_by: "contrib/integration/make-image.sh"}]
}' > "$work/config.json"
config=$(digest "$work/config.json")
config_size=$(size "$work/config.json")
mv "$work/config.json" "$blobs/$config"

jq -cn --arg config "sha256:$config" --argjson csize "$config_size" \
    --arg layer "sha256:$layer" --argjson lsize "$layer_size" '{
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: $csize},
    layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $layer, size: $lsize}]
}' > "$work/manifest.json"
manifest=$(digest "$work/manifest.json")
manifest_size=$(size "$work/manifest.json")
mv "$work/manifest.json" "$blobs/$manifest"

jq -cn --arg m "sha256:$manifest" --argjson msize "$manifest_size" --arg name "$name" --arg arch "$arch" '{
    schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $m, size: $msize,
                 platform: {architecture: $arch, os: "linux"},
                 annotations: {"org.opencontainers.image.ref.name": $name, "io.containerd.image.name": $name}}]
}' > "$work/oci/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$work/oci/oci-layout"

# The archive: the layout files first, then the blobs, all sorted and dated alike.
(cd "$work/oci" && find . -mindepth 1 -print | LC_ALL=C sort) > "$work/oci-list"
tar -C "$work/oci" --format=gnu --no-recursion --owner=0 --group=0 --numeric-owner \
    --mtime="@$epoch" -cf "$out/busybox-oci.tar" -T "$work/oci-list"

echo "$out/busybox-rootfs.tar"
echo "$out/busybox-oci.tar"
