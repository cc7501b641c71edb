//! Writing frames back out as pcapng (session export): filled in by the TUI work.
