DESC="2 s into an active TLS session xrdp is stopped (SIGTERM): it disconnects the client and closes"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2"
    capture_up
    client_up /sec:tls
    client_active 20
    pause 2 "session running"
    server_signal TERM
    client_wait 20
}
