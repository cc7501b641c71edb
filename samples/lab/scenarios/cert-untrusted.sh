DESC="xrdp presents a self-signed certificate; the client (/cert:deny) refuses it after the TLS 1.2 handshake"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2" cert=selfsigned
    capture_up
    CLIENT_TIMEOUT=30 client_up /sec:tls
    client_wait 30
}
