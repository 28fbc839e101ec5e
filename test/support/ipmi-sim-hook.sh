#!/bin/sh
# chassis_control hook for ipmi_sim (test infrastructure). ipmi_sim runs it through a shell as
#   ipmi-sim-hook.sh STATEDIR get power | get boot | set power 0|1 | set shutdown 1 | set boot X
# State lives in plain files under STATEDIR so tests can assert and inject faults:
#   power          0 or 1
#   watts          what the BMC's power sensor reads (ipmi_sim polls it); follows power,
#                  copied from watts-on / watts-off
#   log            one line per call ("set power 1")
#   fail           when present, every call exits 1 (the BMC answers "Unspecified error")
#   soft-delay     seconds between a soft power off and the power going off (default 0)
#   ignore-soft    when present, a soft power off is acknowledged and ignored
dir=$1
op=$2
what=$3
value=$4
echo "$op $what $value" >> "$dir/log"
[ -f "$dir/fail" ] && exit 1

set_power() {
  echo "$1" > "$dir/power.tmp" && mv "$dir/power.tmp" "$dir/power"
  if [ "$1" = 1 ]; then src="$dir/watts-on"; else src="$dir/watts-off"; fi
  cp "$src" "$dir/watts.tmp" && mv "$dir/watts.tmp" "$dir/watts"
}

case "$op $what" in
  "get power") echo "power:$(cat "$dir/power")" ;;
  "get boot") echo "boot:none" ;;
  "set power") set_power "$value" ;;
  "set shutdown")
    [ -f "$dir/ignore-soft" ] && exit 0
    delay=$(cat "$dir/soft-delay" 2>/dev/null || echo 0)
    # Detached: ipmi_sim waits for the hook's output to close before it answers.
    ( sleep "$delay"; [ -f "$dir/ignore-soft" ] || set_power 0 ) >/dev/null 2>&1 </dev/null &
    ;;
  "set reset"|"set boot") ;;
  *) exit 1 ;;
esac
exit 0
