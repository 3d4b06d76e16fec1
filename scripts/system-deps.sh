#!/usr/bin/env bash
# Installs the Debian packages a target needs, when missing. As root it installs them;
# otherwise it stops with one line saying what to run. Usage: system-deps.sh test|demo|bench|load
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
case "${1:-test}" in
  test)
    have chromium || need+=(chromium)
    have systemd-analyze || need+=(systemd)
    have snmpd || [ -x /usr/sbin/snmpd ] || need+=(snmpd)
    have snmpget || need+=(snmp)
    have dpkg-deb || need+=(dpkg)
    [ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
    have ping || need+=(iputils-ping)
    ;;
  bench)
    have victoria-metrics || [ -x /usr/bin/victoria-metrics ] || need+=(victoria-metrics)
    [ -x /usr/bin/prometheus-node-exporter ] || need+=(prometheus-node-exporter)
    have ping || need+=(iputils-ping)
    have snmpbulkwalk || need+=(snmp)
    ;;
  load)
    have stress-ng || need+=(stress-ng)
    ;;
  demo) ;;
esac
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "EUS needs Debian packages: run 'sudo apt-get install -y ${need[*]}' and try again." >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq "${need[@]}" >/dev/null
