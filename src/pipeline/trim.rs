//! Freed heap pages given back to the kernel while several analyzers run.
//!
//! glibc's malloc gives each thread that allocates an arena of its own and keeps the pages freed
//! in an arena for that arena's later use: only the top of an arena's heap goes back to the
//! kernel by itself. On N analyzers a flood's resident memory is then about the sum of the
//! arenas' own high-water marks, not the live heap's: their peaks fall at different moments
//! (analyzer 0's batches move between threads, the analyzers stand at different places in the
//! file, the ordered output frees sessions other threads allocated). [`Trim::tick`], which the
//! reading thread of a run on several analyzers ([`super::parallel`]; a single-threaded run has
//! one arena) calls every [`super::SWEEP_EVERY`] frames, reads the resident set size
//! (`/proc/self/statm`, under a microsecond) and past [`HIGH`] has glibc return every whole free
//! page of every arena (`malloc_trim(0)`, glibc 2.8 and later). A trim that gives back less than
//! [`USEFUL`] (the memory is live) doubles the wait before the next one, up to [`MAX_WAIT`]
//! rounds, so a large live heap costs a trim every 262,144 frames, not every 4,096.
//!
//! Elsewhere than Linux with glibc, or without a readable `/proc`, it does nothing.

/// Resident bytes past which a round trims.
pub const HIGH: u64 = 32 << 20;
/// A trim that gives back less than this counts as unproductive.
pub const USEFUL: u64 = 1 << 20;
/// Most rounds between two trims after unproductive ones.
pub const MAX_WAIT: u32 = 64;

/// When to trim: the decisions, apart from the system calls (so that they can be tested).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// Rounds still to skip before the resident size is looked at again.
    wait: u32,
    /// Rounds to skip after the next unproductive trim (doubles each time, at most
    /// [`MAX_WAIT`]; back to 1 after a productive one).
    backoff: u32,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            wait: 0,
            backoff: 1,
        }
    }
}

impl Pace {
    /// A round: whether to look at the resident size now.
    pub fn due(&mut self) -> bool {
        if self.wait > 0 {
            self.wait -= 1;
            return false;
        }
        true
    }

    /// Whether `resident` bytes call for a trim.
    pub fn over(resident: u64) -> bool {
        resident > HIGH
    }

    /// A trim took the resident size from `before` to `after` bytes.
    pub fn trimmed(&mut self, before: u64, after: u64) {
        if before.saturating_sub(after) >= USEFUL {
            self.backoff = 1;
            self.wait = 0;
        } else {
            self.wait = self.backoff;
            self.backoff = (self.backoff * 2).min(MAX_WAIT);
        }
    }
}

/// The resident set size in `/proc/self/statm`'s text (its second field, in pages).
pub fn resident_bytes(statm: &[u8], page: u64) -> Option<u64> {
    let text = std::str::from_utf8(statm).ok()?;
    let pages: u64 = text.split_ascii_whitespace().nth(1)?.parse().ok()?;
    pages.checked_mul(page)
}

/// The resident-size watch and the trims (see the module's documentation).
#[derive(Debug)]
pub struct Trim {
    pace: Pace,
    sys: Option<sys::Sys>,
}

impl Default for Trim {
    fn default() -> Self {
        Self::new()
    }
}

impl Trim {
    /// Ready to trim, if this system can.
    pub fn new() -> Self {
        Trim {
            pace: Pace::default(),
            sys: sys::Sys::open(),
        }
    }

    /// A round (every [`super::SWEEP_EVERY`] frames read): trim when the resident size is
    /// past [`HIGH`] and the pace allows. Returns the bytes given back when it trimmed.
    pub fn tick(&mut self) -> Option<u64> {
        let sys = self.sys.as_ref()?;
        if !self.pace.due() {
            return None;
        }
        let before = sys.resident()?;
        if !Pace::over(before) {
            return None;
        }
        sys.trim();
        let after = sys.resident()?;
        self.pace.trimmed(before, after);
        Some(before.saturating_sub(after))
    }

    /// The resident set size now, where it can be read.
    pub fn resident(&self) -> Option<u64> {
        self.sys.as_ref()?.resident()
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod sys {
    use std::fs::File;
    use std::os::unix::fs::FileExt;

    /// `/proc/self/statm`, kept open (read again from offset 0 each time), and the page size.
    #[derive(Debug)]
    pub struct Sys {
        statm: File,
        page: u64,
    }

    impl Sys {
        pub fn open() -> Option<Sys> {
            // SAFETY: sysconf has no preconditions; it returns -1 for an unknown name.
            let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
            let page = u64::try_from(page).ok().filter(|&p| p > 0)?;
            let statm = File::open("/proc/self/statm").ok()?;
            let sys = Sys { statm, page };
            sys.resident().map(|_| sys)
        }

        pub fn resident(&self) -> Option<u64> {
            let mut buf = [0u8; 128];
            let n = self.statm.read_at(&mut buf, 0).ok()?;
            super::resident_bytes(buf.get(..n)?, self.page)
        }

        pub fn trim(&self) {
            // SAFETY: malloc_trim takes a byte count to leave at the top of the main heap and
            // only takes the arenas' own locks; it is safe to call from any thread at any time.
            unsafe {
                libc::malloc_trim(0);
            }
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod sys {
    /// Nothing to trim with.
    #[derive(Debug)]
    pub enum Sys {}

    impl Sys {
        pub fn open() -> Option<Sys> {
            None
        }

        pub fn resident(&self) -> Option<u64> {
            match *self {}
        }

        pub fn trim(&self) {
            match *self {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statm_resident_is_its_second_field_in_pages() {
        assert_eq!(
            resident_bytes(b"586 282 259 1 0 56 0\n", 4096),
            Some(282 * 4096)
        );
        assert_eq!(resident_bytes(b"586", 4096), None);
        assert_eq!(resident_bytes(b"586 x 259", 4096), None);
        assert_eq!(resident_bytes(b"1 18446744073709551615 0", 4096), None);
    }

    #[test]
    fn below_the_mark_nothing_is_trimmed() {
        assert!(!Pace::over(HIGH));
        assert!(Pace::over(HIGH + 1));
    }

    #[test]
    fn unproductive_trims_wait_longer_each_time_up_to_the_most() {
        let mut p = Pace::default();
        let mut waits = Vec::new();
        for _ in 0..9 {
            assert!(p.due());
            p.trimmed(HIGH + USEFUL, HIGH + 1);
            let mut skipped = 0;
            while !p.due() {
                skipped += 1;
            }
            waits.push(skipped);
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 64, 64]);
        // A productive trim: the next round looks again, and the wait starts over.
        p.trimmed(HIGH + 2 * USEFUL, HIGH);
        assert!(p.due());
        p.trimmed(HIGH + USEFUL, HIGH + 1);
        assert!(!p.due());
        assert!(p.due());
    }
}
