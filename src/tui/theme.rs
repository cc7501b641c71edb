//! Colours and small formatting helpers shared by the panes.

use super::app::Row;
use crate::decode::Transport;
use ratatui::style::{Color, Modifier, Style};

/// Style of a verdict by severity: red failure, yellow in progress / incomplete, green healthy.
pub fn verdict_style(r: &Row) -> Style {
    match r.severity() {
        3 => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        2 => Style::new().fg(Color::Yellow),
        1 => Style::new().fg(Color::Yellow),
        _ => Style::new().fg(Color::Green),
    }
}

/// The verdict as shown in the sessions table.
pub fn verdict_text(r: &Row) -> String {
    if r.verdict.in_progress {
        "in progress".into()
    } else {
        r.verdict.cause.name().into()
    }
}

/// `tcp` or `udp`.
pub fn transport_name(t: Transport) -> &'static str {
    match t {
        Transport::Tcp => "tcp",
        Transport::Udp => "udp",
    }
}

/// Bytes in a short human form: `812 B`, `14.2 kB`, `3.1 MB`.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if b < 1000 {
        return format!("{b} B");
    }
    let mut v = b as f64 / 1000.0;
    let mut unit = "kB";
    for u in UNITS.iter().skip(1) {
        if v < 1000.0 {
            break;
        }
        v /= 1000.0;
        unit = u;
    }
    format!("{v:.1} {unit}")
}

/// A duration in seconds in a short form: `0.021s`, `4.61s`, `12m03s`, `2h05m`.
pub fn human_duration(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "-".into();
    }
    if s < 10.0 {
        format!("{s:.3}s")
    } else if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        let m = (s / 60.0) as u64;
        format!("{m}m{:02}s", (s as u64) % 60)
    } else {
        let h = (s / 3600.0) as u64;
        format!("{h}h{:02}m", ((s as u64) % 3600) / 60)
    }
}

/// Title style of a pane: highlighted when focused.
pub fn pane_title(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
    } else {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

/// Border style of a pane.
pub fn pane_border(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}

/// The highlight of a selected row.
pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(14_200), "14.2 kB");
        assert_eq!(human_bytes(3_100_000), "3.1 MB");
        assert_eq!(human_duration(4.612), "4.612s");
        assert_eq!(human_duration(723.0), "12m03s");
        assert_eq!(human_duration(7500.0), "2h05m");
    }
}
