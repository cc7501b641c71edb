//! Throughput and retransmissions over the selected session's lifetime, from
//! [`crate::timeline::Throughput`]'s bins.

use super::app::App;
use super::theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Sparkline};

/// Draw the chart pane.
pub fn draw(f: &mut Frame<'_>, area: Rect, app: &App) {
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme::pane_border(false));
    let Some(row) = app.selected() else {
        f.render_widget(block.title(" Throughput "), area);
        return;
    };
    let t = &row.session.throughput;
    let bin = t.bin_s();
    let retx: u64 = t.bins.iter().map(|b| b[2]).sum();
    let title = format!(" Throughput B/s · retx {retx} ");
    let block = block.title(Span::styled(title, theme::pane_title(false)));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if t.bins.iter().all(|b| b[0] == 0 && b[1] == 0 && b[2] == 0) || inner.height < 2 {
        f.render_widget(Paragraph::new("no payload yet"), inner);
        return;
    }
    let series = |i: usize| -> Vec<(f64, f64)> {
        t.bins
            .iter()
            .enumerate()
            .map(|(k, b)| (k as f64 * bin, b.get(i).copied().unwrap_or(0) as f64 / bin))
            .collect()
    };
    let client = series(0);
    let server = series(1);
    let max_y = client
        .iter()
        .chain(server.iter())
        .map(|p| p.1)
        .fold(1.0f64, f64::max);
    let max_x = (t.bins.len() as f64 * bin).max(bin);
    let [chart_area, spark_area] = if retx > 0 && inner.height >= 5 {
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner)
    } else {
        [inner, Rect::default()]
    };
    let datasets = vec![
        Dataset::default()
            .name("client→server")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::new().fg(Color::Cyan))
            .data(&client),
        Dataset::default()
            .name("server→client")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::new().fg(Color::Green))
            .data(&server),
    ];
    let chart = Chart::new(datasets)
        .x_axis(
            Axis::default()
                .bounds([0.0, max_x])
                .labels(["0".to_string(), theme::human_duration(max_x)]),
        )
        .y_axis(
            Axis::default()
                .bounds([0.0, max_y])
                .labels(["0".to_string(), theme::human_bytes(max_y as u64)]),
        )
        .hidden_legend_constraints((Constraint::Ratio(1, 3), Constraint::Ratio(1, 3)));
    f.render_widget(chart, chart_area);
    if spark_area.height > 0 {
        let data: Vec<u64> = t.bins.iter().map(|b| b[2]).collect();
        f.render_widget(
            Sparkline::default()
                .data(&data)
                .style(Style::new().fg(Color::Red)),
            spark_area,
        );
    }
}
