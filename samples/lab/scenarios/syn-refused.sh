DESC="nothing listens on 3389 (RDP service down): the server host answers each SYN with RST,ACK"
scenario() {
    capture_up
    CLIENT_TIMEOUT=30 client_up /sec:tls
    client_wait 30
}
