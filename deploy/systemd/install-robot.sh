#!/bin/sh
# Installs the Aether robot as a systemd service.
#   deploy/systemd/install-robot.sh [--root DIR] [--app DIR]
# --root installs into another root (a test, or an image being built) and starts nothing;
# --app is where the built repository is (`npm ci && npm run build`), default /opt/aether.
set -eu
root=/
app=/opt/aether
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root=$2; shift 2 ;;
    --app) app=$2; shift 2 ;;
    *) echo "usage: $0 [--root DIR] [--app DIR]" >&2; exit 64 ;;
  esac
done
here=$(cd "$(dirname "$0")" && pwd)
[ -f "$app/dist/apps/robot/src/main.js" ] || [ "$root" != / ] || {
  echo "$app/dist/apps/robot/src/main.js is missing: run npm ci && npm run build in $app" >&2
  exit 1
}

install -d -m 0755 "$root/etc/systemd/system" "$root/usr/lib/sysusers.d"
install -d -m 0750 "$root/etc/aether"
sed "s#/opt/aether#$app#g" "$here/aether-robot.service" > "$root/etc/systemd/system/aether-robot.service"
chmod 0644 "$root/etc/systemd/system/aether-robot.service"
install -m 0644 "$here/aether.sysusers" "$root/usr/lib/sysusers.d/aether.conf"
if [ ! -f "$root/etc/aether/robot.env" ]; then
  # settings, never overwritten: the token and secrets live here, readable by root and the robot only
  umask 027
  cat > "$root/etc/aether/robot.env" <<'SETTINGS'
NATS_URL=tls://nats.example.internal:4222
# the CA of the NATS servers' certificate (the nats-tls secret's ca.crt in Kubernetes)
NODE_EXTRA_CA_CERTS=/etc/aether/nats-ca.crt
# The robot's own NATS user (ADR 38): `npx aether robots enroll <ROBOT_ID>` (admin) gives a one-time
# token; the robot exchanges it at the gateway on its first start and keeps the credentials here.
NATS_CREDS_FILE=/var/lib/aether/robot.creds
# ROBOT_ENROLMENT_TOKEN=
# AETHER_GATEWAY_URL=https://aether.example.internal
# (servers that take a shared token instead, as the dev overlay's: NATS_TOKEN=)
ROBOT_ID=
# the tenant the enrolment token was made for
ROBOT_TENANT=default
POOL=default
# an API key of role robot named ROBOT_ID: secrets then come from the vault (docs/security.md)
# ROBOT_CREDENTIAL=
# /metrics and /health on PORT (8087): 0.0.0.0 for Prometheus to scrape it from another machine
# HOST=0.0.0.0
SETTINGS
fi

if [ "$root" = / ]; then
  systemd-sysusers /usr/lib/sysusers.d/aether.conf
  chgrp aether /etc/aether /etc/aether/robot.env
  systemctl daemon-reload
  systemctl enable aether-robot.service
  echo "installed: fill in /etc/aether/robot.env, then systemctl start aether-robot"
else
  systemd-sysusers --root "$root" "$root/usr/lib/sysusers.d/aether.conf"
  chgrp -R "$(awk -F: '$1 == "aether" { print $3 }' "$root/etc/group")" "$root/etc/aether"
  systemctl --root "$root" enable aether-robot.service
fi
