DESC="healthy: standard RDP security (no TLS, FIPS encryption level) to xrdp, about 3 s of session, then the user closes the window"
scenario() {
    xrdp_up sec=rdp crypt=fips
    capture_up
    client_up /sec:rdp
    client_active 20
    pause 3 "session running"
    client_close
    client_wait 15
}
