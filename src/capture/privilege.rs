//! Dropping root after the capture device is open: a live capture needs privileges only to open
//! the interface; parsing hostile traffic should run as the user who asked for it.

/// When running as root through `sudo`, switch to the invoking user (`SUDO_UID`/`SUDO_GID`).
/// Returns a note for the user when privileges were dropped, or why they could not be.
pub fn drop_to_invoking_user() -> Option<String> {
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    if uid != 0 {
        return None;
    }
    let parse = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u32>().ok());
    let (Some(to_uid), Some(to_gid)) = (parse("SUDO_UID"), parse("SUDO_GID")) else {
        return None;
    };
    if to_uid == 0 {
        return None;
    }
    // Supplementary groups first, then the group, then the user (the order that cannot be undone).
    // SAFETY: plain system calls with integer arguments; a null list with size 0 clears the
    // supplementary groups.
    let ok = unsafe {
        libc::setgroups(0, std::ptr::null()) == 0
            && libc::setgid(to_gid) == 0
            && libc::setuid(to_uid) == 0
    };
    Some(if ok {
        format!("capture device open; continuing as uid {to_uid}")
    } else {
        "could not drop root privileges after opening the device; continuing as root".to_string()
    })
}
