DESC="2 s into an active TLS session the path drops everything for 4 s, then recovers; the session survives and the user closes it 3 s later"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2"
    capture_up
    client_up /sec:tls
    client_active 20
    pause 2 "session running"
    rtr -I FORWARD -j DROP
    pause 4 "outage"
    rtr -D FORWARD -j DROP
    pause 3 "session running again"
    client_close
    client_wait 15
}
