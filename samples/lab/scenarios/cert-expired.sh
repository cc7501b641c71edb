DESC="xrdp presents a certificate (issued by the trusted lab CA) that expired in 2020; the client (/cert:deny) refuses it after the TLS 1.2 handshake"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2" cert=expired
    capture_up
    CLIENT_TIMEOUT=30 client_up /sec:tls
    client_wait 30
}
