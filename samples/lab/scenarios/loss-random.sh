DESC="15 % random loss in both directions (router, iptables statistic) for 4 s of an active TLS session; the session survives and the user closes it"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2"
    capture_up
    client_up /sec:tls
    client_active 20
    pause 1 "session running"
    rtr -I FORWARD -p tcp --dport 3389 -m statistic --mode random --probability 0.15 -j DROP
    rtr -I FORWARD -p tcp --sport 3389 -m statistic --mode random --probability 0.15 -j DROP
    ev "noise window on the server display (more screen data to lose)"
    nsx $NS_SRV env DISPLAY=$SRV_DISPLAY /usr/bin/python3 "$LAB/xwin.py" noise $SRV_DISPLAY 2 &
    pause 4 "lossy path"
    rtr -D FORWARD -p tcp --dport 3389 -m statistic --mode random --probability 0.15 -j DROP
    rtr -D FORWARD -p tcp --sport 3389 -m statistic --mode random --probability 0.15 -j DROP
    pause 1 "session running"
    client_close
    client_wait 15
}
