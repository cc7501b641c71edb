DESC="healthy: xfreerdp to freerdp-shadow-cli with NLA (CredSSP/NTLM) over TLS 1.3, about 2 s of screen updates, then the user closes the window"
scenario() {
    shadow_up /sec:nla
    capture_up
    client_up /sec:nla
    client_active 20
    pause 2 "session running"
    client_close
    client_wait 15
}
