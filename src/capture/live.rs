//! Live capture through libpcap (the `pcap` crate): filled in by the live-capture work.
