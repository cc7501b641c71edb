DESC="2 s into an active TLS session the server's socket is destroyed (ss -K on the server): the server's kernel sends RST"
scenario() {
    xrdp_up sec=tls protos="TLSv1.2"
    capture_up
    client_up /sec:tls
    client_active 20
    pause 2 "session running"
    ev "server: ss -K (destroy the established RDP socket)"
    nsx $NS_SRV ss -K state established '( sport = :3389 )' >/dev/null
    client_wait 20
}
