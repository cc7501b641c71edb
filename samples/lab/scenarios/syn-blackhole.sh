DESC="a firewall on the router silently drops TCP 3389 towards the server: SYNs are never answered"
scenario() {
    xrdp_up sec=tls
    # Classic exponential SYN backoff (1 s, 2 s, ...) instead of Linux 6.x's linear first retries.
    nsx $NS_CLI sysctl -qw net.ipv4.tcp_syn_linear_timeouts=0 2>/dev/null || true
    rtr -A FORWARD -p tcp --dport 3389 -j DROP
    capture_up
    CLIENT_TIMEOUT=90 client_up /sec:tls
    client_wait 90
}
