DESC="the client requires NLA (/sec:nla), xrdp offers only standard RDP security: it selects PROTOCOL_RDP, the client hangs up"
scenario() {
    xrdp_up sec=rdp
    capture_up
    CLIENT_TIMEOUT=30 client_up /sec:nla
    client_wait 30
}
