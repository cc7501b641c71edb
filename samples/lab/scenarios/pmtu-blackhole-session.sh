DESC="2 s into an active TLS session the router's client-side MTU drops to 1400 with ICMP fragmentation-needed filtered; a large screen update (noise window) needs full-size packets: the session stalls, the hung client is killed"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2"
    capture_up
    CLIENT_TIMEOUT=18 client_up /sec:tls
    client_active 15
    pause 2 "session running"
    ev "router: rlab-r1 mtu 1400"
    nsx $NS_RTR ip link set rlab-r1 mtu 1400
    rtr -A OUTPUT -p icmp --icmp-type fragmentation-needed -j DROP
    ev "noise window on the server display (full-size segments)"
    nsx $NS_SRV env DISPLAY=$SRV_DISPLAY /usr/bin/python3 "$LAB/xwin.py" noise $SRV_DISPLAY 2 &
    client_wait 30
}
