"""What SNMP pages read from the time series: a target's series and latest points, inventory, traps."""
