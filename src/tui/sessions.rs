//! The sessions pane: one row per session, coloured by verdict severity.

use super::app::{App, Focus, Row, SortBy};
use super::theme;
use crate::timeline::Session;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row as TableRow, Table};

/// The security protocol the server selected in the X.224 negotiation (`hybrid`, `ssl`, ...),
/// the RDP_NEG_FAILURE code, or what the client asked for when no answer came.
pub fn security(s: &Session) -> Option<String> {
    let r = crate::timeline::RdpSummary::of(s)?;
    r.selected_protocol
        .or(r.failure_code.map(|f| format!("fail:{f}")))
        .or_else(|| {
            (!r.requested_protocols.is_empty()).then(|| r.requested_protocols.join("+") + "?")
        })
}

/// The negotiated TLS version.
pub fn tls_version(s: &Session) -> Option<String> {
    crate::timeline::TlsSummary::of(s)?.version
}

/// Time of day (UTC) of a session's start: `HH:MM:SS.mmm`.
fn start_time(s: &Session) -> String {
    let t = s.start.rfc3339();
    t.get(11..23).map(str::to_string).unwrap_or(t)
}

/// Draw the sessions table.
pub fn draw(f: &mut Frame<'_>, area: Rect, app: &mut App) {
    let narrow = area.width < 90;
    let wide = area.width >= 110;
    let very_wide = area.width >= 140;
    let focused = app.focus == Focus::Sessions;
    let (n, failed, open) = app.counts();
    let mut title = vec![Span::styled(" Sessions ", theme::pane_title(focused))];
    let shown = app.visible_len();
    let mut info = if shown == n {
        format!("{n} ")
    } else {
        format!("{shown}/{n} ")
    };
    if failed > 0 {
        info.push_str(&format!("· {failed} failed "));
    }
    if open > 0 {
        info.push_str(&format!("· {open} in progress "));
    }
    info.push_str(match app.sort {
        SortBy::Time => "· by time ",
        SortBy::Severity => "· by severity ",
    });
    title.push(Span::raw(info));
    if !app.filter.is_empty() {
        title.push(Span::styled(
            format!("· filter: {} ", app.filter),
            Style::new().add_modifier(Modifier::ITALIC),
        ));
    }

    let mut header = Vec::new();
    let mut widths = Vec::new();
    if wide {
        header.push("#");
        widths.push(Constraint::Length(4));
    }
    if !narrow {
        header.push("Start (UTC)");
        widths.push(Constraint::Length(12));
    }
    header.extend(["Client → Server", "Tr"]);
    widths.extend([Constraint::Fill(1), Constraint::Length(3)]);
    if wide {
        header.extend(["Security", "TLS"]);
        widths.extend([Constraint::Length(9), Constraint::Length(7)]);
    }
    header.extend(["Dur", "Bytes", "Verdict"]);
    widths.extend([
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(if very_wide { 22 } else { 20 }),
    ]);
    if very_wide {
        header.push("Phase");
        widths.push(Constraint::Length(16));
    }

    let rows: Vec<TableRow<'_>> = app
        .visible()
        .map(|r| row(r, narrow, wide, very_wide))
        .collect();
    let table = Table::new(rows, widths)
        .header(
            TableRow::new(header)
                .style(Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)),
        )
        .block(
            Block::new()
                .borders(Borders::ALL)
                .border_style(theme::pane_border(focused))
                .title(Line::from(title)),
        )
        .row_highlight_style(theme::selected())
        .column_spacing(1);
    f.render_stateful_widget(table, area, &mut app.table);
}

fn row(r: &Row, narrow: bool, wide: bool, very_wide: bool) -> TableRow<'static> {
    let s = &r.session;
    let mut cells = Vec::new();
    if wide {
        cells.push(Cell::from(s.id.to_string()));
    }
    if narrow {
        // No room for the client's (ephemeral) port: the timeline header shows it.
        cells.push(Cell::from(format!("{} → {}", s.client.ip(), s.server)));
    } else {
        cells.push(Cell::from(start_time(s)));
        cells.push(Cell::from(format!("{} → {}", s.client, s.server)));
    }
    cells.push(Cell::from(theme::transport_name(s.transport)));
    if wide {
        cells.push(Cell::from(security(s).unwrap_or_else(|| "-".into())));
        cells.push(Cell::from(tls_version(s).unwrap_or_else(|| "-".into())));
    }
    cells.push(Cell::from(theme::human_duration(s.duration_s())));
    cells.push(Cell::from(theme::human_bytes(s.bytes[0] + s.bytes[1])));
    cells.push(Cell::from(theme::verdict_text(r)).style(theme::verdict_style(r)));
    if very_wide {
        cells.push(Cell::from(r.verdict.phase.name()));
    }
    TableRow::new(cells)
}
