//! `pipeline::trim` gives a thread's freed heap pages back to the kernel (a test binary of its
//! own: the resident size is the whole process's, other tests must not allocate meanwhile).

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn pages_freed_in_another_threads_arena_are_given_back() {
    use rdpscope::pipeline::trim::{HIGH, Trim};

    // 64 MiB in 2 KiB pieces, allocated and mostly freed on a thread of its own (so in an arena
    // of its own, as an analyzer's); one piece in 64 stays, so that the freed space is holes
    // inside the arena's heap, which glibc does not give back by itself.
    const PIECE: usize = 2048;
    const PIECES: usize = (64 << 20) / PIECE;
    let kept = std::thread::spawn(|| {
        let mut all: Vec<Box<[u8; PIECE]>> =
            (0..PIECES).map(|i| Box::new([i as u8; PIECE])).collect();
        let kept: Vec<Box<[u8; PIECE]>> = all
            .drain(..)
            .enumerate()
            .filter_map(|(i, b)| (i % 64 == 0).then_some(b))
            .collect();
        kept
    })
    .join()
    .expect("allocating thread");

    let mut trim = Trim::new();
    let before = trim.resident().expect("/proc/self/statm readable");
    assert!(before > HIGH, "{before} bytes resident: not past the mark");
    let given = trim.tick().expect("past the mark: a trim");
    let after = trim.resident().expect("/proc/self/statm readable");
    assert!(
        given >= 32 << 20,
        "gave back {given} bytes of about 63 MiB freed ({before} → {after} resident)"
    );
    assert!(after < before);
    // The pieces still held are intact.
    assert!(
        kept.iter()
            .enumerate()
            .all(|(i, b)| b.iter().all(|&x| x == (i * 64) as u8))
    );
}
