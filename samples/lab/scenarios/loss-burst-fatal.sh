DESC="the user moves the mouse in an active TLS session (steady client input); 2 s in, the router starts dropping 60 % of the packets in both directions (iptables statistic) and never stops: retransmissions, a few packets get through, until the client gives up"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2"
    capture_up
    CLIENT_TIMEOUT=60 client_up /sec:tls
    client_active 20
    ev "user: moves the mouse over the session window (xwin.py mouse, 50 s)"
    nsx $NS_CLI /usr/bin/python3 "$LAB/xwin.py" mouse $CLI_DISPLAY 50 &
    pause 2 "session running"
    rtr -I FORWARD -p tcp --dport 3389 -m statistic --mode random --probability 0.6 -j DROP
    rtr -I FORWARD -p tcp --sport 3389 -m statistic --mode random --probability 0.6 -j DROP
    client_wait 70
}
