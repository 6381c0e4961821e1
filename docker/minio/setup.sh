#!/bin/sh
# Run by compose's one-shot `minio-setup` service (image quay.io/minio/mc) on every
# `docker compose up`, before any Convoy process starts: creates the artifacts bucket and
# Convoy's own MinIO user, allowed that bucket and nothing else (convoy-artifacts.json). Every
# step may run again: the bucket is kept, the policy and the user's secret are rewritten, and
# attaching a policy already attached succeeds.
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${CONVOY_S3_ACCESS_KEY:?}" "${CONVOY_S3_SECRET_KEY:?}"

# The bucket of ARTIFACTS_URL (s3://convoy/artifacts) and the policy's resources.
bucket=convoy
here=$(dirname "$0")

mc alias set store http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "store/$bucket"
mc admin policy create store convoy-artifacts "$here/convoy-artifacts.json"
# The secret goes through standard input, not the command line.
printf '%s\n' "$CONVOY_S3_SECRET_KEY" | mc admin user add store "$CONVOY_S3_ACCESS_KEY"
mc admin policy attach store convoy-artifacts --user "$CONVOY_S3_ACCESS_KEY"
echo "minio-setup: bucket $bucket and user $CONVOY_S3_ACCESS_KEY ready"
