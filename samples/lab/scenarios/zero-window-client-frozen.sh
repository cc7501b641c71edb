DESC="client receive buffer limited to 32 KB (tcp_rmem in its namespace); 2 s into an active TLS session xfreerdp is frozen (SIGSTOP): nothing reads the socket, the client advertises a zero window and the server probes it; the capture ends 10 s later, then the client is killed"
scenario() {
    # A small receive buffer (FreeRDP asks for at least 32 KB itself) fills within a second or two
    # of screen updates instead of after megabytes.
    ev "client: sysctl net.ipv4.tcp_rmem=\"4096 32768 32768\""
    nsx $NS_CLI sysctl -qw net.ipv4.tcp_rmem="4096 32768 32768"
    xrdp_up sec=tls protos="TLSv1.2"
    capture_up
    CLIENT_TIMEOUT=60 client_up /sec:tls
    client_active 20
    pause 2 "session running"
    client_signal STOP
    pause 10 "frozen client"
    # The capture ends during the stall (a frozen client is what the user then kills; the kill's
    # RST would only add a second, unrelated signal).
    capture_down
    ev "captures stopped"
    client_signal KILL
    client_wait 10
}
