DESC="the router's client-side link has MTU 1400 and ICMP fragmentation-needed is allowed: the server learns the path MTU and the session works (certificate chain and noise window need full-size packets)"
scenario() {
    ev "router: rlab-r1 mtu 1400"
    nsx $NS_RTR ip link set rlab-r1 mtu 1400
    xrdp_up sec=tls protos="TLSv1.2" cert=chain
    capture_up
    client_up /sec:tls
    client_active 20
    ev "noise window on the server display (full-size segments)"
    nsx $NS_SRV env DISPLAY=$SRV_DISPLAY /usr/bin/python3 "$LAB/xwin.py" noise $SRV_DISPLAY 1 &
    pause 2 "session running"
    client_close
    client_wait 15
}
