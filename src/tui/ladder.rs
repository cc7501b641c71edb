//! The timeline pane: a ladder diagram, client on the left, server on the right, one arrow per
//! event with relative and delta times and the frame number; the drop point is marked `✖`,
//! other problems `!`, evidence frames `•`.

use super::app::{App, Focus, Row};
use super::theme;
use crate::timeline::Event;
use crate::types::Direction;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, Paragraph};

/// Width of the columns before the ladder: marker, relative time, delta, frame.
const PREFIX: usize = 2 + 11 + 1 + 10 + 1 + 7 + 1;

/// Draw the timeline of the selected session.
pub fn draw(f: &mut Frame<'_>, area: Rect, app: &mut App) {
    let focused = app.focus == Focus::Timeline;
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme::pane_border(focused));
    let Some(row) = app.selected().cloned() else {
        let msg = if app.rows().is_empty() {
            "no RDP sessions yet"
        } else {
            "no session matches the filter"
        };
        f.render_widget(
            Paragraph::new(msg)
                .block(block.title(Span::styled(" Timeline ", theme::pane_title(focused)))),
            area,
        );
        return;
    };
    let s = &row.session;
    let mut title = vec![
        Span::styled(" Timeline ", theme::pane_title(focused)),
        Span::raw(format!("· session {} · {} events ", s.id, s.events.len())),
    ];
    if let Some(d) = row.verdict.drop_frame {
        title.push(Span::styled(
            format!("· ✖ drop point frame {d} "),
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ));
    }
    if s.events_dropped > 0 {
        title.push(Span::raw(format!("· {} more not kept ", s.events_dropped)));
    }
    let block = block.title(Line::from(title));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let [head, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(inner);
    let width = usize::from(inner.width);
    let ladder = width.saturating_sub(PREFIX + 1).max(12);
    f.render_widget(Paragraph::new(header(&row, ladder)), head);

    let mut prev = s.start;
    let items: Vec<ListItem<'_>> = s
        .events
        .iter()
        .map(|e| {
            let delta = e.ts.since(prev);
            prev = e.ts;
            ListItem::new(line(e, &row, delta, ladder))
        })
        .collect();
    let list = List::new(items).highlight_style(theme::selected());
    f.render_stateful_widget(list, body, &mut app.ladder);
}

fn header(row: &Row, ladder: usize) -> Line<'static> {
    let s = &row.session;
    let left = format!("client {}", s.client);
    let right = format!("server {}", s.server);
    let pad = ladder.saturating_sub(left.chars().count() + right.chars().count());
    let lbl = if pad == 0 {
        format!("{:<w$}", "client ⇄ server", w = ladder)
    } else {
        format!("{left}{}{right}", " ".repeat(pad))
    };
    Line::from(vec![
        Span::styled(
            format!("  {:>11} {:>10} {:>7} ", "time (s)", "Δ (s)", "frame"),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::styled(lbl, Style::new().add_modifier(Modifier::BOLD)),
    ])
}

/// Cut a label to `max` characters (with an ellipsis).
fn fit(label: &str, max: usize) -> String {
    let n = label.chars().count();
    if n <= max {
        label.to_string()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// One event as a ladder line.
pub fn line(e: &Event, row: &Row, delta: f64, ladder: usize) -> Line<'static> {
    let v = &row.verdict;
    let is_drop = v.drop_frame == Some(e.frame);
    let problem = e.kind.is_problem();
    let (marker, mstyle) = if is_drop {
        (
            "✖ ",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        )
    } else if problem {
        (
            "! ",
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        )
    } else if v.evidence_frames.contains(&e.frame) {
        ("• ", Style::new().fg(Color::Magenta))
    } else {
        ("  ", Style::new())
    };
    let rel = e.ts.since(row.session.start);
    let mut label = e.kind.label();
    if e.decrypted {
        // Read from TLS records decrypted with a key log.
        label.insert_str(0, "🔓 ");
    }
    let inner = ladder.saturating_sub(2);
    let text = fit(&label, inner.saturating_sub(5));
    let arrow = match e.dir {
        Some(Direction::ClientToServer) => {
            let fill = inner.saturating_sub(text.chars().count() + 4);
            format!("│─ {text} {}▶│", "─".repeat(fill))
        }
        Some(Direction::ServerToClient) => {
            let fill = inner.saturating_sub(text.chars().count() + 4);
            format!("│◀{} {text} ─│", "─".repeat(fill))
        }
        None => {
            let body = format!("◆ {text}");
            let n = body.chars().count();
            let left = inner.saturating_sub(n) / 2;
            let right = inner.saturating_sub(n + left);
            format!("│{}{body}{}│", " ".repeat(left), " ".repeat(right))
        }
    };
    let astyle = if is_drop {
        Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
    } else if problem {
        Style::new().fg(Color::Yellow)
    } else {
        match e.dir {
            Some(Direction::ClientToServer) => Style::new().fg(Color::Cyan),
            Some(Direction::ServerToClient) => Style::new().fg(Color::Green),
            None => Style::new().fg(Color::Magenta),
        }
    };
    Line::from(vec![
        Span::styled(marker, mstyle),
        Span::raw(format!("{rel:>11.6} {delta:>10.6} {:>7} ", e.frame)),
        Span::styled(arrow, astyle),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_with_ellipsis() {
        assert_eq!(fit("SYN", 5), "SYN");
        assert_eq!(fit("SYN, ACK (retry)", 6), "SYN, …");
    }
}
