DESC="NLA to freerdp-shadow-cli with a wrong password: TLS comes up, CredSSP/NTLM fails, the server closes"
scenario() {
    shadow_up /sec:nla
    capture_up
    CLIENT_PASS=wrongpass CLIENT_TIMEOUT=30 client_up /sec:nla
    client_wait 30
}
