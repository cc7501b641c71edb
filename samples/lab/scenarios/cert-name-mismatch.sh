DESC="xrdp presents a valid certificate for rdp-other.lab.test instead of 198.51.100.20; the client (/cert:deny) refuses it after the TLS 1.2 handshake"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2" cert=other
    capture_up
    CLIENT_TIMEOUT=30 client_up /sec:tls
    client_wait 30
}
