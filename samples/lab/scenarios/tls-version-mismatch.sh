DESC="xrdp speaks only TLS 1.0/1.1, the client enforces TLS 1.2 (+enforce-tlsv1_2): no common TLS version"
scenario() {
    xrdp_up sec=tls protos="TLSv1, TLSv1.1" ciphers="DEFAULT:@SECLEVEL=0"
    capture_up
    CLIENT_TIMEOUT=30 client_up /sec:tls +enforce-tlsv1_2
    client_wait 30
}
