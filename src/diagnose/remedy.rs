//! What to change, per cause: steps a Windows or network administrator can follow.

use super::Cause;

/// Remediation steps: fixed text, shared by every verdict that gives it.
pub type Steps = &'static [&'static str];

/// The remediation steps for a cause.
pub fn steps(cause: Cause) -> Steps {
    match cause {
        Cause::Healthy => &[],
        Cause::IncompleteCapture => &[
            "Capture again from before the client connects until after the error appears, on the client or as close to it as possible (see the README: capturing your own failing session).",
            "Make sure the capture tool keeps up (no 'packets dropped by kernel') and captures full packets (-s 0).",
        ],
        Cause::NoAnswer => &[
            "Allow TCP 3389 (and UDP 3389 for RDP-UDP) from the client's network to the server on every firewall, security group and VPN access policy on the path.",
            "Check the server's address and that it is up; on the server, check that Remote Desktop listens: netstat -an | findstr :3389.",
            "If a VPN is involved, check that its split-tunnel routes include the server's network.",
        ],
        Cause::PortClosed => &[
            "Start the Remote Desktop service on the server (services.msc: Remote Desktop Services; or enable Remote Desktop in System Properties) and check the port it listens on (registry PortNumber under RDP-Tcp).",
            "If a firewall rejects with TCP reset, allow TCP 3389 from the client's network.",
        ],
        Cause::IcmpUnreachable => &[
            "An ICMP error names who refused the connection: on that device (firewall, router, host firewall), allow TCP 3389 and UDP 3389 from the client's network.",
            "For host/network unreachable: check routing (and VPN routes) towards the server's network.",
        ],
        Cause::NegotiationFailure => &[
            "Make the security layers match: on the server, Remote Desktop Session Host > Security > 'Require use of specific security layer for remote (RDP) connections' and 'Require user authentication for remote connections by using Network Level Authentication'.",
            "On the client, allow what the server requires (e.g. enable NLA/CredSSP, or TLS; in an .rdp file: enablecredsspsupport, authentication level).",
        ],
        Cause::TlsVersionMismatch => &[
            "Enable a common TLS version on both ends: TLS 1.2 in the server's SCHANNEL settings (HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols) and on the client; install the TLS 1.2 updates on old Windows.",
            "Remove policies that force TLS 1.0/1.1 only on the server, or that forbid them on the client when the server cannot do better.",
        ],
        Cause::TlsCipherMismatch => &[
            "Enable at least one common cipher suite (e.g. TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) on both ends: Group Policy 'SSL Cipher Suite Order' or Disable-TlsCipherSuite/Enable-TlsCipherSuite on Windows, the client's TLS policy on others.",
            "Check that the server's certificate key type matches the enabled suites (ECDSA certificate needs ECDSA suites).",
        ],
        Cause::TlsAlert => &[
            "The alert's description names the problem; check the TLS configuration on the side that sent it (Windows: System event log, Schannel events 36871/36874/36888).",
        ],
        Cause::CertificateRejected => &[
            "Give the server a certificate the client trusts: issued by a CA in the client's trust store, not expired, with the name the client connects to (the DNS name or address in the .rdp file) in its subject or SAN.",
            "On Windows servers: renew/assign it under Remote Desktop Session Host > Security (or the SSLCertificateSHA1Hash WMI setting); then restart the Remote Desktop service.",
            "For a self-signed certificate, import it into the client's Trusted Root store, or connect by the exact name it was issued for.",
        ],
        Cause::NlaFailed => &[
            "Check the user name (DOMAIN\\user or user@domain), password, and that the account is not locked out, disabled or expired; the server's Security event log (4625) gives the exact reason.",
            "Check CredSSP policy on both ends ('Encryption Oracle Remediation' after CVE-2018-0886 updates) and that the user is in 'Remote Desktop Users'.",
            "Check clock skew between client, server and domain controller (Kerberos), and that the server can reach a domain controller.",
        ],
        Cause::ServerDisconnected => &[
            "The server ended the session: check its event logs (TerminalServices-LocalSessionManager, RemoteConnectionManager) for the reason (idle or session time limits, licensing, another user logging on, service restart).",
            "Review Group Policy session time limits (Remote Desktop Session Host > Session Time Limits) and RD licensing.",
        ],
        Cause::ServerUnresponsive => &[
            "The server's network stack is alive but the RDP service does not answer: check CPU/memory on the server, restart the Remote Desktop Services service, and check for stuck sessions (qwinsta / rwinsta).",
        ],
        Cause::ResetMidSession => &[
            "Find who sent the reset: a firewall, IPS, load balancer or VPN concentrator with a short idle timeout or a reset policy (compare the RST's TTL/IP ID with the server's packets).",
            "Raise middlebox idle timeouts above the RDP keep-alive interval, or enable RDP keep-alives (Group Policy 'Configure keep-alive connection interval').",
        ],
        Cause::LinkTimeout => &[
            "The path went dead: check the VPN tunnel or WAN link for drops at that time (tunnel rekeys, Wi-Fi roaming, ISP outage).",
            "Enable RDP keep-alives and UDP transport so short outages are survived, and raise middlebox idle timeouts.",
        ],
        Cause::LossBurst => &[
            "Packets are being lost on the path: check interface errors and drops on the VPN/WAN link, Wi-Fi quality, and QoS policing.",
            "Enable RDP over UDP (UDP 3389) which copes better with loss.",
        ],
        Cause::MtuBlackhole => &[
            "Full-size packets are dropped: clamp the TCP MSS on the VPN/tunnel (e.g. 1350, iptables TCPMSS --clamp-mss-to-pmtu or the VPN's mssfix), or lower the tunnel interface MTU.",
            "Allow ICMP 'fragmentation needed' (type 3 code 4) and ICMPv6 'packet too big' through firewalls so path MTU discovery works.",
        ],
        Cause::ZeroWindowStall => &[
            "The receiving application stopped reading: check the side that advertised the zero window for a hung client or server process, CPU or memory pressure.",
        ],
    }
}
