DESC="healthy: xfreerdp to xrdp over TLS 1.2 forced to RSA key exchange (tls_ciphers=AES256-GCM-SHA384), about 3 s of screen updates, then the user closes the window; the server's private key is kept as samples/NAME.key (for --rsa-key)"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2" ciphers="AES256-GCM-SHA384"
    capture_up
    client_up /sec:tls
    client_active 20
    pause 3 "session running"
    client_close
    client_wait 15
    # A lab-only key from the lab PKI: decrypts this capture's TLS_RSA_* session (--rsa-key).
    cp "$RUN/pki/good.key" "$SAMPLES/$SCEN.key"
}
