DESC="2 s into an active TLS session the xrdp process is frozen (SIGSTOP); its TCP stack still ACKs; after 9 s of a dead screen the user closes the window"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2"
    capture_up
    client_up /sec:tls
    client_active 20
    pause 2 "session running"
    server_signal STOP
    pause 9 "frozen server"
    client_close
    client_wait 20
}
