DESC="2 s into an active TLS session a middlebox (router) answers the client's next segment with a TCP RST forged from the server, and keeps doing so"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2"
    capture_up
    client_up /sec:tls
    client_active 20
    pause 2 "session running"
    rtr -I FORWARD -p tcp -s $CLI_IP -d $SRV_IP --dport 3389 -j REJECT --reject-with tcp-reset
    client_wait 20
}
