DESC="the server (freerdp-shadow-cli) accepts only NLA, the client asks for TLS only: RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER"
scenario() {
    shadow_up /sec:nla
    capture_up
    CLIENT_TIMEOUT=30 client_up /sec:tls
    client_wait 30
}
