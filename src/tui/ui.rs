//! The screen layout: title bar (with the progress gauge), sessions, timeline, detail, chart,
//! and the key/status line. Adapts to the terminal: at 80×24 the timeline takes the width and
//! the detail and chart share the bottom; from 120 columns the timeline sits beside them.

use super::app::{App, Mode, Progress};
use super::{chart, detail, help, ladder, sessions};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};

/// Draw the whole screen.
pub fn draw(f: &mut Frame<'_>, app: &mut App) {
    let area = f.area();
    let [top, main, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    title_bar(f, top, app);
    footer(f, bottom, app);

    // Sessions: as many rows as there are, up to a third of the screen (at least 3 rows).
    let want = app.visible_len() as u16 + 3;
    let cap = (main.height / 3).max(6);
    let [list, rest] =
        Layout::vertical([Constraint::Length(want.clamp(5, cap)), Constraint::Fill(1)]).areas(main);
    sessions::draw(f, list, app);
    app.areas.sessions = list;

    let (timeline, detail_area, chart_area) = if rest.width >= 120 {
        let [l, r] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(rest);
        let [d, c] = Layout::vertical([Constraint::Fill(3), Constraint::Fill(2)]).areas(r);
        (l, d, c)
    } else {
        let [l, r] =
            Layout::vertical([Constraint::Percentage(50), Constraint::Fill(1)]).areas(rest);
        let [d, c] = Layout::horizontal([Constraint::Percentage(60), Constraint::Fill(1)]).areas(r);
        (l, d, c)
    };
    ladder::draw(f, timeline, app);
    detail::draw(f, detail_area, app);
    chart::draw(f, chart_area, app);
    app.areas.timeline = timeline;
    app.areas.detail = detail_area;

    if app.mode == Mode::Help {
        help::draw(f, area);
    }
}

fn title_bar(f: &mut Frame<'_>, area: Rect, app: &App) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut spans = vec![
        Span::styled(" rdpscope ", bold.fg(Color::Cyan)),
        Span::styled(app.title.clone(), bold),
    ];
    let gauge = match &app.progress {
        Progress::Starting => {
            spans.push(Span::raw(" · opening…"));
            None
        }
        Progress::Reading { done, total } => {
            let ratio = if *total == 0 {
                0.0
            } else {
                (*done as f64 / *total as f64).clamp(0.0, 1.0)
            };
            Some(ratio)
        }
        Progress::Done { frames } => {
            spans.push(Span::raw(format!(" · {frames} frames")));
            None
        }
        Progress::Live { frames } => {
            spans.push(Span::raw(format!(" · {frames} packets")));
            if app.paused {
                spans.push(Span::styled(
                    " · PAUSED (p resumes)",
                    bold.fg(Color::Yellow),
                ));
            } else {
                spans.push(Span::styled(" · capturing", Style::new().fg(Color::Green)));
            }
            None
        }
        Progress::Failed(why) => {
            spans.push(Span::styled(format!(" · {why}"), bold.fg(Color::Red)));
            None
        }
    };
    match gauge {
        Some(ratio) => {
            let [l, r] =
                Layout::horizontal([Constraint::Fill(1), Constraint::Percentage(40)]).areas(area);
            f.render_widget(Paragraph::new(Line::from(spans)), l);
            f.render_widget(
                Gauge::default()
                    .ratio(ratio)
                    .label(format!("reading {:.0}%", ratio * 100.0))
                    .gauge_style(Style::new().fg(Color::Cyan).bg(Color::Black)),
                r,
            );
        }
        None => f.render_widget(Paragraph::new(Line::from(spans)), area),
    }
}

fn footer(f: &mut Frame<'_>, area: Rect, app: &App) {
    let line = if app.mode == Mode::Filter {
        Line::from(vec![
            Span::styled(
                " / ",
                Style::new().add_modifier(Modifier::BOLD).fg(Color::Cyan),
            ),
            Span::raw(app.filter.clone()),
            Span::styled("█", Style::new().fg(Color::Cyan)),
            Span::styled(
                "   Enter keep · Esc clear",
                Style::new().fg(Color::DarkGray),
            ),
        ])
    } else if let Some(msg) = &app.status {
        Line::from(Span::styled(
            format!(" {msg}"),
            Style::new().fg(Color::Yellow),
        ))
    } else {
        let mut keys = vec![
            ("q", "quit"),
            ("?", "help"),
            ("/", "filter"),
            ("s", "sort"),
            ("Tab", "pane"),
            ("n/N", "problem"),
            ("d", "drop"),
            ("e", "export"),
        ];
        if app.live {
            keys.push(("p", "pause"));
        }
        let mut spans = Vec::new();
        for (k, what) in keys {
            spans.push(Span::styled(
                format!(" {k}"),
                Style::new().add_modifier(Modifier::BOLD),
            ));
            spans.push(Span::styled(
                format!(" {what} "),
                Style::new().fg(Color::DarkGray),
            ));
        }
        Line::from(spans)
    };
    f.render_widget(Paragraph::new(line), area);
}
