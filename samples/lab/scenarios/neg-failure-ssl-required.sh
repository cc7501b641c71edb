DESC="xrdp requires TLS, the client uses standard RDP security only (/sec:rdp, no negotiation request): xrdp answers without negotiation data and disconnects"
scenario() {
    xrdp_up sec=tls
    capture_up
    CLIENT_TIMEOUT=30 client_up /sec:rdp
    client_wait 30
}
