DESC="the router's client-side link has MTU 1400 and its ICMP fragmentation-needed messages are filtered; the server's TLS flight (certificate chain) needs a full 1500-byte packet: handshake stalls, the hung client is killed after 15 s"
scenario() {
    ev "router: rlab-r1 mtu 1400"
    nsx $NS_RTR ip link set rlab-r1 mtu 1400
    rtr -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
    xrdp_up sec=tls protos="TLSv1.2" cert=chain
    capture_up
    CLIENT_TIMEOUT=15 client_up /sec:tls
    client_wait 30
}
