DESC="a firewall on the router rejects TCP 3389 with ICMP destination unreachable, communication administratively prohibited (type 3 code 13)"
scenario() {
    xrdp_up sec=tls
    rtr -A FORWARD -p tcp --dport 3389 -j REJECT --reject-with icmp-admin-prohibited
    capture_up
    CLIENT_TIMEOUT=60 client_up /sec:tls
    client_wait 60
}
