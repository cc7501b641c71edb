//! The sessions pane: one row per session, coloured by verdict severity.

use super::app::{App, Focus, Row, SortBy};
use super::theme;
use crate::timeline::Session;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row as TableRow, StatefulWidget, Table, TableState};
use std::ops::Range;

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
        // Wide enough for every id (at least 4 digits): a cut id would name another session.
        let digits = app.widest_id().checked_ilog10().unwrap_or(0) + 1;
        widths.push(Constraint::Length(
            u16::try_from(digits.max(4)).unwrap_or(20),
        ));
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

    // Only the rows that fit are built: the table is drawn on every snapshot and progress tick,
    // and a capture can hold tens of thousands of sessions (building all 2,213 rows of the 1 GB
    // bench file took a sixth of the CPU while it was read). The window is the one the table
    // would scroll to ([`rows_shown`]); it is drawn with the selection relative to it, and the
    // table's state is written back as if every row had been drawn.
    let shown = rows_shown(app.visible_len(), area, &app.table);
    let rows: Vec<TableRow<'_>> = app
        .visible()
        .skip(shown.start)
        .take(shown.len())
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
    let len = app.visible_len();
    render_shown(f.buffer_mut(), area, table, &mut app.table, shown, len);
}

/// Which of `len` one-line rows a bordered table with a one-line header shows in `area`, the
/// table's `state` as last drawn: the rows ratatui's table would show, i.e. from the state's
/// offset (at most the last row), moved up to the selection if it is above and down just enough
/// to show it if it is below.
fn rows_shown(len: usize, area: Rect, state: &TableState) -> Range<usize> {
    let fits = usize::from(area.height.saturating_sub(3)); // two borders and the header
    let mut start = state.offset().min(len.saturating_sub(1));
    if let Some(sel) = state.selected().map(|s| s.min(len.saturating_sub(1))) {
        start = start.min(sel);
        if sel >= start + fits {
            start = (sel + 1).saturating_sub(fits.max(1));
        }
    }
    start..len.min(start + fits)
}

/// Draw `table`, which holds only the rows `shown` ([`rows_shown`]) of `len`, and update `state`
/// as if it had held every row.
fn render_shown(
    buf: &mut Buffer,
    area: Rect,
    table: Table<'_>,
    state: &mut TableState,
    shown: Range<usize>,
    len: usize,
) {
    let mut local = TableState::default()
        .with_selected(state.selected().map(|s| s.saturating_sub(shown.start)));
    StatefulWidget::render(table, area, buf, &mut local);
    if area.height <= 2 || area.width <= 2 {
        // The borders leave no room at all: ratatui leaves the state as it was.
    } else if !shown.is_empty() || len == 0 {
        *state.offset_mut() = shown.start + local.offset();
        state.select(local.selected().map(|s| s + shown.start));
    } else {
        // No row fits under the header: ratatui keeps the selection (within the rows) and
        // scrolls just past it.
        let selected = state.selected().map(|s| s.min(len - 1));
        state.select(selected);
        *state.offset_mut() = selected.map_or(state.offset().min(len - 1), |s| s + 1);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A flood's sessions are numbered past a million: the id column shows every digit.
    #[test]
    fn the_id_column_fits_the_largest_id() {
        use crate::decode::Transport;
        use ratatui::{Terminal, backend::TestBackend};
        let session = |id: u64, port: u16| {
            Session::new(
                id,
                Transport::Tcp,
                std::net::SocketAddr::from(([10, 0, 0, 1], port)),
                "10.0.0.2:3389".parse().unwrap(),
                id,
                crate::types::Timestamp(0),
            )
        };
        let mut app = App::new("t", false);
        app.set_sessions(vec![session(1, 1000), session(1_000_002, 1001)], false);
        let mut t = Terminal::new(TestBackend::new(160, 8)).unwrap();
        t.draw(|f| draw(f, f.area(), &mut app)).unwrap();
        let screen = t.backend().to_string();
        assert!(screen.contains("│1000002 "), "{screen}");
        assert!(screen.contains("│1       "), "{screen}");
    }

    /// A table like the sessions pane's (borders, a one-line header) over `rows`.
    fn table(rows: Vec<TableRow<'static>>) -> Table<'static> {
        Table::new(rows, [Constraint::Fill(1)])
            .header(TableRow::new(["Client"]))
            .block(Block::new().borders(Borders::ALL))
            .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
    }

    fn row_text(i: usize) -> TableRow<'static> {
        TableRow::new([format!("session {i}")])
    }

    /// Drawing only the rows shown gives the screen and the scroll state that drawing every
    /// row gives, for every offset, selection (in range or past the end, as after a snapshot
    /// with fewer sessions) and size, including a table scrolled past its end and panes too
    /// small for any row or for anything inside the borders.
    #[test]
    fn drawing_the_rows_shown_draws_what_the_whole_table_draws() {
        let areas = (0..=12u16).map(|h| Rect::new(0, 0, 20, h));
        let thin = [2, 3].map(|w| Rect::new(0, 0, w, 8));
        for len in [0, 1, 2, 5, 9, 30] {
            for area in areas.clone().chain(thin) {
                let height = area.height;
                for offset in [0, 1, 3, 8, 29, 40] {
                    for selected in [None, Some(0), Some(1), Some(4), Some(8), Some(29), Some(35)] {
                        let mut state = TableState::default().with_offset(offset);
                        state.select(selected);
                        let mut full_state = state;
                        let mut full = Buffer::empty(area);
                        StatefulWidget::render(
                            table((0..len).map(row_text).collect()),
                            area,
                            &mut full,
                            &mut full_state,
                        );
                        let shown = rows_shown(len, area, &state);
                        assert!(shown.len() <= usize::from(height.saturating_sub(3)));
                        let mut part = Buffer::empty(area);
                        let rows = shown.clone().map(row_text).collect();
                        render_shown(&mut part, area, table(rows), &mut state, shown, len);
                        let case = format!("{len} rows, {area:?}, offset {offset}, {selected:?}");
                        assert_eq!(part, full, "{case}");
                        assert_eq!(state.offset(), full_state.offset(), "{case}");
                        assert_eq!(state.selected(), full_state.selected(), "{case}");
                    }
                }
            }
        }
    }
}
