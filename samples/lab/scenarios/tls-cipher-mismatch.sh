DESC="xrdp allows only TLS 1.2 with AES128-SHA; the client offers only ECDHE-RSA-AES256-GCM-SHA384 for TLS <= 1.2: no shared cipher suite"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2" ciphers="AES128-SHA"
    capture_up
    CLIENT_TIMEOUT=30 client_up /sec:tls /tls-ciphers:ECDHE-RSA-AES256-GCM-SHA384
    client_wait 30
}
