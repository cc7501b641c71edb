//! The `?` help overlay.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

/// Keys and what they do, in the order shown.
pub const KEYS: &[(&str, &str)] = &[
    ("↑ ↓  j k", "move in the focused pane"),
    ("PgUp PgDn  ^u ^d", "page up / half page down"),
    ("g G  Home End", "first / last"),
    (
        "Tab  ← →  h l  Enter",
        "switch between sessions and timeline",
    ),
    ("n  N", "next / previous problem in the timeline"),
    ("d", "jump to the drop point"),
    (
        "/",
        "filter sessions: address, port, cause, any text (Esc clears)",
    ),
    ("s", "sort by time / by severity"),
    ("[  ]", "scroll the detail pane"),
    ("e", "export the selected session's packets to a pcapng"),
    ("p", "pause / resume the live view (capture goes on)"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
    ("mouse", "wheel scrolls the pane under it; click selects"),
];

/// Draw the help overlay centred on `area`.
pub fn draw(f: &mut Frame<'_>, area: Rect) {
    let w = area.width.min(76);
    let h = area.height.min(KEYS.len() as u16 + 5);
    let [v] = Layout::vertical([Constraint::Length(h)])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::horizontal([Constraint::Length(w)])
        .flex(Flex::Center)
        .areas(v);
    let mut lines: Vec<Line<'_>> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(
                    format!(" {k:<22}"),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(*what),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(
        " ✖ drop point   ! problem   • evidence frame   ◆ third party (ICMP)",
    ));
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::new()
                .borders(Borders::ALL)
                .title(" rdpscope help · any key closes "),
        ),
        r,
    );
}
