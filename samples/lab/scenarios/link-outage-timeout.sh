DESC="2 s into an active TLS session the path drops everything for good; the client's keep-alives go unanswered until it gives up"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2"
    capture_up
    CLIENT_TIMEOUT=150 client_up /sec:tls
    client_active 20
    pause 2 "session running"
    rtr -I FORWARD -j DROP
    client_wait 150
}
