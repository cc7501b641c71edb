DESC="healthy: xfreerdp to xrdp over TLS 1.2, about 3 s of screen updates, then the user closes the window"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2"
    capture_up
    client_up /sec:tls
    client_active 20
    pause 3 "session running"
    client_close
    client_wait 15
}
