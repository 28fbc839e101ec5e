#!/usr/bin/env bash
# Starts a real single-host Ceph cluster (1 mon, 1 mgr with the dashboard, N memstore OSDs) from
# Debian's packages, all on 127.0.0.1 and all under DIR.
# The daemons run in the foreground (-f) in the background of this script; their PIDs go to
# DIR/pids, one a line, in start order (stop them in reverse: OSDs, then mgr, then mon). The
# script exits 0 once the cluster is HEALTH_OK with every PG active+clean and the dashboard user
# exists.
# usage: ceph-cluster.sh DIR MON_V2_PORT MON_V1_PORT DASHBOARD_PORT OSD_COUNT USER PASSWORD
set -euo pipefail

dir=$1 p2=$2 p1=$3 dport=$4 osds=$5 user=$6 password=$7
conf=$dir/ceph.conf
kr=$dir/keyring
mkdir -p "$dir/run" "$dir/log" "$dir/crash" "$dir/mon.a" "$dir/mgr.x"
: >"$dir/pids"
fsid=$(uuidgen)
monhost="[v2:127.0.0.1:$p2,v1:127.0.0.1:$p1]"

cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = $monhost
public addr = 127.0.0.1
cluster addr = 127.0.0.1
public network = 127.0.0.1/32
cluster network = 127.0.0.1/32
ms bind ipv6 = false
keyring = $kr
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
crash dir = $dir/crash
auth allow insecure global id reclaim = false
osd crush chooseleaf type = 0
osd pool default size = 2
osd pool default min size = 1
mon warn on pool no redundancy = false
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
mon data avail warn = 1
mon data avail crit = 0
mon allow pool delete = false
[mon]
mon data = $dir/mon.\$id
mgr initial modules = iostat
mgr stats period = 1
[mgr]
mgr data = $dir/mgr.\$id
[osd]
osd data = $dir/osd.\$id
osd objectstore = memstore
memstore device bytes = 268435456
osd mon shutdown timeout = 1
osd op num shards = 2
osd op num threads per shard = 1
EOF

ceph-authtool --create-keyring "$kr" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$kr" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
  --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$kr" --gen-key -n mgr.x --cap mon 'allow profile mgr' --cap osd 'allow *' \
  --cap mds 'allow *' >/dev/null
for ((i = 0; i < osds; i++)); do
  ceph-authtool "$kr" --gen-key -n "osd.$i" --cap mon 'allow profile osd' \
    --cap mgr 'allow profile osd' --cap osd 'allow *' >/dev/null
done

monmaptool --create --fsid "$fsid" --enable-all-features --addv a "$monhost" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$kr"

ceph() { command ceph -c "$conf" --connect-timeout 10 "$@"; }

ceph-mon -c "$conf" -i a -f >"$dir/log/mon.a.out" 2>&1 &
echo $! >>"$dir/pids"

for k in ssl:false server_addr:127.0.0.1 server_port:"$dport"; do
  ceph config set mgr "mgr/dashboard/${k%%:*}" "${k#*:}" --force
done
ceph mgr module enable dashboard --force

ceph-mgr -c "$conf" -i x -f >"$dir/log/mgr.x.out" 2>&1 &
echo $! >>"$dir/pids"

for ((i = 0; i < osds; i++)); do
  uuid=$(uuidgen)
  mkdir -p "$dir/osd.$i"
  ceph osd new "$uuid" "$i" >/dev/null
  ceph-osd -c "$conf" -i "$i" --mkfs --osd-uuid "$uuid" >/dev/null 2>&1
  ceph-osd -c "$conf" -i "$i" -f >"$dir/log/osd.$i.out" 2>&1 &
  echo $! >>"$dir/pids"
done

printf '%s' "$password" >"$dir/dashboard-password"
deadline=$((SECONDS + 90))
until ceph dashboard ac-user-create "$user" -i "$dir/dashboard-password" administrator \
  --force-password >/dev/null 2>&1; do
  ((SECONDS < deadline)) || { echo "dashboard user: timed out" >&2; exit 1; }
  sleep 0.5
done

until ceph health 2>/dev/null | grep -q HEALTH_OK &&
  ceph osd stat 2>/dev/null | grep -q "$osds osds: $osds up" &&
  ceph pg stat 2>/dev/null | grep -qv -e unknown -e peering -e creating -e activating; do
  ((SECONDS < deadline)) || { echo "cluster not healthy: $(ceph health 2>&1)" >&2; exit 1; }
  sleep 0.5
done
echo ready
