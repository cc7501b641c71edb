//! The UI state and what each key does. No drawing and no I/O here: the event loop
//! ([`super::event_loop`]) turns terminal events into calls on [`App`] and performs the
//! [`Action`]s it returns; the panes only read it.

use crate::decode::Transport;
use crate::diagnose::{self, Cause, Verdict};
use crate::timeline::{Event, Session};
use crate::types::FrameNo;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use ratatui::widgets::{ListState, TableState};
use std::cell::OnceCell;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Identifies a session across snapshots (ids are renumbered when an analysis finishes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionKey {
    transport: Transport,
    client: SocketAddr,
    server: SocketAddr,
    first_frame: FrameNo,
}

impl SessionKey {
    /// The key of a session.
    pub fn of(s: &Session) -> Self {
        SessionKey {
            transport: s.transport,
            client: s.client,
            server: s.server,
            first_frame: s.first_frame,
        }
    }
}

/// One session with its verdict and the text the filter searches.
#[derive(Debug, Clone)]
pub struct Row {
    /// The session (shared with the snapshot it came in, and the next ones while it is unchanged).
    pub session: Arc<Session>,
    /// Its diagnosis (`in_progress` set while the session is still open in a live capture or
    /// while the file is still being read).
    pub verdict: Verdict,
    /// Lower-case text searched by `/`: endpoints, transport, cause, phase, summary, event labels.
    /// Written the first time a filter is applied to the row, not per snapshot: it formats every
    /// event's label, most of the cost of a row (a 1 GB capture's 2,213 sessions: tens of ms on
    /// every snapshot).
    haystack: OnceCell<String>,
}

impl Row {
    /// Diagnose a session.
    pub fn new(session: impl Into<Arc<Session>>, in_progress: bool) -> Self {
        let session = session.into();
        let mut verdict = diagnose::diagnose(&session);
        verdict.in_progress = in_progress && session.open_at_end;
        Row {
            session,
            verdict,
            haystack: OnceCell::new(),
        }
    }

    /// The text the filter searches, written on first use.
    fn haystack(&self) -> &str {
        self.haystack.get_or_init(|| {
            let (session, verdict) = (&self.session, &self.verdict);
            let mut haystack = format!(
                "{} {} {} {} {} {}",
                session.client,
                session.server,
                super::theme::transport_name(session.transport),
                verdict.cause.name(),
                verdict.phase.name(),
                verdict.summary
            );
            for e in &session.events {
                haystack.push(' ');
                haystack.push_str(&e.kind.label());
            }
            haystack.to_lowercase()
        })
    }

    /// Severity for sorting and colours: 3 failure, 2 in progress, 1 incomplete capture, 0 healthy.
    pub fn severity(&self) -> u8 {
        if self.verdict.in_progress {
            2
        } else if self.verdict.cause.is_failure() {
            3
        } else if self.verdict.cause == Cause::IncompleteCapture {
            1
        } else {
            0
        }
    }

    fn matches(&self, needle: &str) -> bool {
        needle
            .split_whitespace()
            .all(|w| self.haystack().contains(&w.to_lowercase()))
    }
}

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The sessions table.
    Sessions,
    /// The timeline ladder.
    Timeline,
}

/// Session order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// By first frame (capture order).
    Time,
    /// Failures first, then in progress, incomplete, healthy; by time within each.
    Severity,
}

/// What keys are read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Navigation keys.
    Normal,
    /// Typing the `/` filter.
    Filter,
    /// The help overlay is shown.
    Help,
}

/// How far reading the input has come.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Progress {
    /// Reading a file: bytes read of the total.
    #[default]
    Starting,
    /// Reading a file.
    Reading {
        /// Bytes read so far.
        done: u64,
        /// File size.
        total: u64,
    },
    /// The whole file was read.
    Done {
        /// Frames in the file.
        frames: u64,
    },
    /// Capturing live.
    Live {
        /// Frames captured so far.
        frames: u64,
    },
    /// Reading failed.
    Failed(String),
}

/// What the event loop must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing beyond redrawing.
    None,
    /// Leave the UI.
    Quit,
    /// Export the selected session's packets.
    Export,
}

/// Where the panes were last drawn (for mouse clicks and scrolling).
#[derive(Debug, Clone, Copy, Default)]
pub struct Areas {
    /// The sessions table, borders included.
    pub sessions: Rect,
    /// The timeline ladder, borders included.
    pub timeline: Rect,
    /// The detail pane.
    pub detail: Rect,
}

/// The whole UI state.
#[derive(Debug)]
pub struct App {
    /// What is shown: a file name or `live: IFACE`.
    pub title: String,
    /// Whether the sessions come from a live capture.
    pub live: bool,
    rows: Vec<Row>,
    /// The largest session id among `rows` (the id column's width).
    widest_id: u64,
    /// Indices into `rows` after filtering and sorting.
    view: Vec<usize>,
    selected: Option<SessionKey>,
    /// Selection and scroll of the sessions table.
    pub table: TableState,
    /// Selection and scroll of the timeline.
    pub ladder: ListState,
    /// Scroll of the detail pane.
    pub detail_scroll: u16,
    /// Order of the sessions.
    pub sort: SortBy,
    /// The `/` filter text.
    pub filter: String,
    /// Key mode.
    pub mode: Mode,
    /// Focused pane.
    pub focus: Focus,
    /// Reading progress.
    pub progress: Progress,
    /// A message for the status line (export result, errors).
    pub status: Option<String>,
    /// Live view paused (`p`): updates are held back.
    pub paused: bool,
    held: Option<Vec<Arc<Session>>>,
    /// Last drawn pane areas.
    pub areas: Areas,
}

impl App {
    /// An empty UI titled `title`.
    pub fn new(title: impl Into<String>, live: bool) -> Self {
        App {
            title: title.into(),
            live,
            rows: Vec::new(),
            widest_id: 0,
            view: Vec::new(),
            selected: None,
            table: TableState::default(),
            ladder: ListState::default(),
            detail_scroll: 0,
            sort: SortBy::Time,
            filter: String::new(),
            mode: Mode::Normal,
            focus: Focus::Sessions,
            progress: if live {
                Progress::Live { frames: 0 }
            } else {
                Progress::Starting
            },
            status: None,
            paused: false,
            held: None,
            areas: Areas::default(),
        }
    }

    /// Replace the sessions with a newer snapshot (keeps the selection by session identity).
    /// `in_progress`: open sessions are still running (live, or the file is still being read).
    ///
    /// A session the previous rows already show (the same shared copy: snapshots share the
    /// sessions that finished before them) keeps its row, verdict and filter text, instead of
    /// being diagnosed again.
    pub fn set_sessions<S: Into<Arc<Session>>>(
        &mut self,
        sessions: impl IntoIterator<Item = S>,
        in_progress: bool,
    ) {
        let sessions = sessions.into_iter().map(Into::into);
        if self.paused {
            self.held = Some(sessions.collect());
            return;
        }
        // Keyed by address: an old row keeps its session alive, so a new one at the same
        // address is the same session.
        let mut known: HashMap<*const Session, Row> = std::mem::take(&mut self.rows)
            .into_iter()
            .map(|r| (Arc::as_ptr(&r.session), r))
            .collect();
        self.rows = sessions
            .map(|s| match known.remove(&Arc::as_ptr(&s)) {
                Some(row) if row.verdict.in_progress == (in_progress && s.open_at_end) => row,
                _ => Row::new(s, in_progress),
            })
            .collect();
        self.widest_id = self.rows.iter().map(|r| r.session.id).max().unwrap_or(0);
        self.refresh_view();
    }

    /// The largest session id (a flood's sessions are numbered past 1,000,000).
    pub fn widest_id(&self) -> u64 {
        self.widest_id
    }

    /// Pause or resume the live view; resuming applies the newest held snapshot.
    pub fn toggle_pause(&mut self) {
        self.paused = !self.paused;
        if !self.paused {
            if let Some(s) = self.held.take() {
                self.set_sessions(s, true);
            }
        }
    }

    /// All rows, in capture order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The rows shown, filtered and sorted.
    pub fn visible(&self) -> impl Iterator<Item = &Row> {
        self.view.iter().filter_map(|i| self.rows.get(*i))
    }

    /// Number of rows shown.
    pub fn visible_len(&self) -> usize {
        self.view.len()
    }

    /// The selected session, if any.
    pub fn selected(&self) -> Option<&Row> {
        let i = self.table.selected()?;
        self.rows.get(*self.view.get(i)?)
    }

    /// The selected event of the selected session.
    pub fn selected_event(&self) -> Option<(&Event, &Row)> {
        let row = self.selected()?;
        let e = row.session.events.get(self.ladder.selected()?)?;
        Some((e, row))
    }

    fn refresh_view(&mut self) {
        let needle = self.filter.trim().to_string();
        let mut view: Vec<usize> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| needle.is_empty() || r.matches(&needle))
            .map(|(i, _)| i)
            .collect();
        if self.sort == SortBy::Severity {
            let rows = &self.rows;
            view.sort_by_key(|i| {
                rows.get(*i)
                    .map(|r| (std::cmp::Reverse(r.severity()), r.session.first_frame))
            });
        }
        self.view = view;
        let pos = self
            .selected
            .and_then(|k| self.position_of(k))
            .or(if self.view.is_empty() { None } else { Some(0) });
        self.select_row(pos);
    }

    fn position_of(&self, key: SessionKey) -> Option<usize> {
        self.view.iter().position(|i| {
            self.rows
                .get(*i)
                .is_some_and(|r| SessionKey::of(&r.session) == key)
        })
    }

    fn select_row(&mut self, pos: Option<usize>) {
        let key = pos
            .and_then(|p| self.view.get(p))
            .and_then(|i| self.rows.get(*i))
            .map(|r| SessionKey::of(&r.session));
        let changed = key != self.selected;
        self.table.select(pos);
        self.selected = key;
        if changed || self.ladder.selected().is_none() {
            self.detail_scroll = 0;
            let n = self.selected().map_or(0, |r| r.session.events.len());
            // A new session opens at its drop point (or its first problem), where the story is.
            let start = self.selected().and_then(drop_index).unwrap_or(0);
            self.ladder = ListState::default();
            self.ladder.select(if n == 0 { None } else { Some(start) });
        }
    }

    /// Select the session at position `pos` of the view (clamped).
    pub fn select_session(&mut self, pos: usize) {
        if self.view.is_empty() {
            return;
        }
        let pos = pos.min(self.view.len() - 1);
        self.select_row(Some(pos));
    }

    fn move_session(&mut self, delta: isize) {
        let cur = self.table.selected().unwrap_or(0);
        self.select_session(cur.saturating_add_signed(delta));
    }

    /// Select event `idx` of the selected session (clamped).
    pub fn select_event(&mut self, idx: usize) {
        let n = self.selected().map_or(0, |r| r.session.events.len());
        if n > 0 {
            self.ladder.select(Some(idx.min(n - 1)));
            self.detail_scroll = 0;
        }
    }

    fn move_event(&mut self, delta: isize) {
        let cur = self.ladder.selected().unwrap_or(0);
        self.select_event(cur.saturating_add_signed(delta));
    }

    /// Jump to the next (or previous) problem event, wrapping around.
    pub fn jump_problem(&mut self, forward: bool) {
        let Some(row) = self.selected() else { return };
        let events = &row.session.events;
        let n = events.len();
        if n == 0 {
            return;
        }
        let cur = self.ladder.selected().unwrap_or(0);
        let found = (1..=n)
            .map(|k| {
                if forward {
                    (cur + k) % n
                } else {
                    (cur + n * k - k) % n
                }
            })
            .find(|i| {
                events
                    .get(*i)
                    .is_some_and(|e| e.kind.is_problem() || Some(e.frame) == row.verdict.drop_frame)
            });
        match found {
            Some(i) => {
                self.select_event(i);
                self.focus = Focus::Timeline;
            }
            None => self.status = Some("no problems in this session".into()),
        }
    }

    fn set_filter(&mut self, f: String) {
        self.filter = f;
        self.refresh_view();
    }

    /// Handle a key press.
    pub fn on_key(&mut self, key: KeyEvent) -> Action {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            return Action::Quit;
        }
        match self.mode {
            Mode::Help => {
                if matches!(key.code, KeyCode::Char('q')) {
                    return Action::Quit;
                }
                self.mode = Mode::Normal;
                Action::None
            }
            Mode::Filter => {
                match key.code {
                    KeyCode::Enter => self.mode = Mode::Normal,
                    KeyCode::Esc => {
                        self.mode = Mode::Normal;
                        self.set_filter(String::new());
                    }
                    KeyCode::Backspace => {
                        let mut f = self.filter.clone();
                        f.pop();
                        self.set_filter(f);
                    }
                    KeyCode::Char('u') if ctrl => self.set_filter(String::new()),
                    KeyCode::Char(c) if !ctrl => {
                        let mut f = self.filter.clone();
                        if f.len() < 200 {
                            f.push(c);
                        }
                        self.set_filter(f);
                    }
                    _ => {}
                }
                Action::None
            }
            Mode::Normal => self.on_normal_key(key, ctrl),
        }
    }

    fn page(&self) -> isize {
        let area = match self.focus {
            Focus::Sessions => self.areas.sessions,
            Focus::Timeline => self.areas.timeline,
        };
        area.height.saturating_sub(3).max(1) as isize
    }

    fn on_normal_key(&mut self, key: KeyEvent, ctrl: bool) -> Action {
        self.status = None;
        let step = |app: &mut App, d: isize| match app.focus {
            Focus::Sessions => app.move_session(d),
            Focus::Timeline => app.move_event(d),
        };
        match key.code {
            KeyCode::Char('q') => return Action::Quit,
            KeyCode::Esc if !self.filter.is_empty() => self.set_filter(String::new()),
            KeyCode::Char('?') | KeyCode::F(1) => self.mode = Mode::Help,
            KeyCode::Char('/') => self.mode = Mode::Filter,
            KeyCode::Char('s') => {
                self.sort = match self.sort {
                    SortBy::Time => SortBy::Severity,
                    SortBy::Severity => SortBy::Time,
                };
                self.refresh_view();
            }
            KeyCode::Char('e') => return Action::Export,
            KeyCode::Char('p') if self.live => self.toggle_pause(),
            KeyCode::Char('n') => self.jump_problem(true),
            KeyCode::Char('N') => self.jump_problem(false),
            KeyCode::Char('d') if !ctrl => {
                if let Some(i) = self.selected().and_then(drop_index) {
                    self.select_event(i);
                    self.focus = Focus::Timeline;
                }
            }
            KeyCode::Tab | KeyCode::BackTab => {
                self.focus = match self.focus {
                    Focus::Sessions => Focus::Timeline,
                    Focus::Timeline => Focus::Sessions,
                }
            }
            KeyCode::Enter | KeyCode::Right | KeyCode::Char('l') => self.focus = Focus::Timeline,
            KeyCode::Left | KeyCode::Char('h') => self.focus = Focus::Sessions,
            KeyCode::Down | KeyCode::Char('j') => step(self, 1),
            KeyCode::Up | KeyCode::Char('k') => step(self, -1),
            KeyCode::PageDown => step(self, self.page()),
            KeyCode::PageUp => step(self, -self.page()),
            KeyCode::Char('d') => step(self, self.page() / 2),
            KeyCode::Char('u') if ctrl => step(self, -self.page() / 2),
            KeyCode::Char('f') if ctrl => step(self, self.page()),
            KeyCode::Char('b') if ctrl => step(self, -self.page()),
            KeyCode::Home | KeyCode::Char('g') => step(self, isize::MIN / 2),
            KeyCode::End | KeyCode::Char('G') => step(self, isize::MAX / 2),
            KeyCode::Char(']') => self.detail_scroll = self.detail_scroll.saturating_add(3),
            KeyCode::Char('[') => self.detail_scroll = self.detail_scroll.saturating_sub(3),
            _ => {}
        }
        Action::None
    }

    /// Handle a mouse event: wheel scrolls the pane under the pointer, a click selects.
    pub fn on_mouse(&mut self, m: MouseEvent) {
        let at = Position::new(m.column, m.row);
        let a = self.areas;
        let pane = if a.sessions.contains(at) {
            Some(Focus::Sessions)
        } else if a.timeline.contains(at) {
            Some(Focus::Timeline)
        } else {
            None
        };
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let d = if m.kind == MouseEventKind::ScrollDown {
                    1
                } else {
                    -1
                };
                if a.detail.contains(at) {
                    self.detail_scroll = self.detail_scroll.saturating_add_signed(d as i16 * 2);
                    return;
                }
                match pane {
                    Some(Focus::Sessions) => self.move_session(d * 3),
                    Some(Focus::Timeline) => self.move_event(d * 3),
                    None => {}
                }
            }
            MouseEventKind::Down(MouseButton::Left) => match pane {
                Some(Focus::Sessions) => {
                    self.focus = Focus::Sessions;
                    // Border and header rows come before the first session row.
                    if let Some(r) = m.row.checked_sub(a.sessions.y + 2) {
                        self.select_session(self.table.offset() + usize::from(r));
                    }
                }
                Some(Focus::Timeline) => {
                    self.focus = Focus::Timeline;
                    if let Some(r) = m.row.checked_sub(a.timeline.y + 2) {
                        self.select_event(self.ladder.offset() + usize::from(r));
                    }
                }
                None => {}
            },
            _ => {}
        }
    }

    /// Counts for the title: (sessions, failed, in progress).
    pub fn counts(&self) -> (usize, usize, usize) {
        let failed = self
            .rows
            .iter()
            .filter(|r| !r.verdict.in_progress && r.verdict.cause.is_failure())
            .count();
        let open = self.rows.iter().filter(|r| r.verdict.in_progress).count();
        (self.rows.len(), failed, open)
    }
}

/// Index of the event at the verdict's drop frame (or the first problem) in a session.
pub fn drop_index(r: &Row) -> Option<usize> {
    let ev = &r.session.events;
    r.verdict
        .drop_frame
        .and_then(|f| ev.iter().position(|e| e.frame == f))
        .or_else(|| {
            if r.verdict.cause.is_failure() {
                ev.iter().position(|e| e.kind.is_problem())
            } else {
                None
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::EventKind;
    use crate::types::{Direction, Timestamp};

    fn session(id: u64, port: u16, first: u64, rst: bool) -> Session {
        let c: SocketAddr = format!("10.0.0.1:{port}").parse().unwrap();
        let s: SocketAddr = "10.0.0.2:3389".parse().unwrap();
        let mut x = Session::new(id, Transport::Tcp, c, s, first, Timestamp(0));
        let cs = Some(Direction::ClientToServer);
        let sc = Some(Direction::ServerToClient);
        x.push(first, Timestamp(0), cs, EventKind::Syn { retry: false });
        x.push(
            first + 1,
            Timestamp(1_000),
            sc,
            EventKind::SynAck { retry: false },
        );
        x.push(first + 2, Timestamp(2_000), cs, EventKind::Established);
        if rst {
            x.push(
                first + 3,
                Timestamp(3_000),
                sc,
                EventKind::Rst {
                    ttl: 64,
                    ip_id: None,
                    usual_ttl: Some(64),
                    with_data: false,
                },
            );
        } else {
            x.push(first + 3, Timestamp(3_000), cs, EventKind::Fin);
            x.push(first + 4, Timestamp(4_000), sc, EventKind::Fin);
        }
        x
    }

    fn press(app: &mut App, c: char) -> Action {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn app() -> App {
        let mut a = App::new("t", false);
        a.set_sessions(
            vec![session(1, 50001, 1, false), session(2, 50002, 10, true)],
            false,
        );
        a
    }

    #[test]
    fn filter_by_port_and_by_cause() {
        let mut a = app();
        let cause = a.rows().get(1).unwrap().verdict.cause.name().to_string();
        for c in "/50002".chars() {
            press(&mut a, c);
        }
        assert_eq!(a.visible_len(), 1);
        assert_eq!(a.selected().unwrap().session.id, 2);
        a.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        assert_eq!(a.visible_len(), 2);
        press(&mut a, '/');
        for c in cause.chars() {
            press(&mut a, c);
        }
        assert!(a.visible().all(|r| r.verdict.cause.name() == cause));
        // Typing in the filter never quits.
        press(&mut a, 'q');
        assert_eq!(a.mode, Mode::Filter);
    }

    #[test]
    fn severity_sort_puts_failures_first_and_keeps_selection() {
        let mut a = app();
        assert_eq!(a.selected().unwrap().session.id, 1);
        press(&mut a, 's');
        let order: Vec<u64> = a.visible().map(|r| r.session.id).collect();
        assert!(a.rows().get(1).unwrap().verdict.cause.is_failure());
        assert!(!a.rows().first().unwrap().verdict.cause.is_failure());
        assert_eq!(order, vec![2, 1]);
        assert_eq!(
            a.selected().unwrap().session.id,
            1,
            "selection follows the session"
        );
    }

    #[test]
    fn problems_jump_and_wrap() {
        let mut a = app();
        press(&mut a, 'j');
        assert_eq!(a.selected().unwrap().session.id, 2);
        a.select_event(0);
        press(&mut a, 'n');
        assert_eq!(a.ladder.selected(), Some(3), "the RST");
        assert_eq!(a.focus, Focus::Timeline);
        press(&mut a, 'n');
        assert_eq!(a.ladder.selected(), Some(3), "wraps to the only problem");
        press(&mut a, 'k');
        press(&mut a, 'N');
        assert_eq!(a.ladder.selected(), Some(3));
        assert_eq!(press(&mut a, 'e'), Action::Export);
        assert_eq!(press(&mut a, 'q'), Action::Quit);
    }

    #[test]
    fn live_pause_holds_updates_until_resumed() {
        let mut a = App::new("live", true);
        a.set_sessions(vec![session(1, 50001, 1, false)], true);
        press(&mut a, 'p');
        assert!(a.paused);
        a.set_sessions(
            vec![session(1, 50001, 1, false), session(2, 50002, 10, true)],
            true,
        );
        assert_eq!(a.rows().len(), 1);
        press(&mut a, 'p');
        assert_eq!(a.rows().len(), 2);
    }

    #[test]
    fn open_sessions_are_in_progress_only_while_running() {
        let mut s = session(1, 50001, 1, false);
        s.open_at_end = true;
        assert!(Row::new(s.clone(), true).verdict.in_progress);
        assert!(!Row::new(s, false).verdict.in_progress);
    }

    /// A snapshot shares the sessions that finished before it: their rows (verdict, filter text)
    /// are kept, while a new copy of a session, or one whose in-progress state changed, gets a
    /// new row.
    #[test]
    fn rows_of_sessions_already_shown_are_kept() {
        let done = Arc::new(session(1, 50001, 1, true));
        let mut open = session(2, 50002, 10, false);
        open.open_at_end = true;
        let open = Arc::new(open);
        let mut a = App::new("t", false);
        a.set_sessions([Arc::clone(&done), Arc::clone(&open)], true);
        assert!(a.rows.iter().all(|r| r.matches("10.0.0.1")));
        let written =
            |a: &App| -> Vec<bool> { a.rows.iter().map(|r| r.haystack.get().is_some()).collect() };
        assert_eq!(written(&a), [true, true]);
        // The same shared sessions: both rows kept (their filter text too).
        a.set_sessions([Arc::clone(&done), Arc::clone(&open)], true);
        assert_eq!(written(&a), [true, true]);
        // A new copy of the open session (republished): a new row; the finished one kept.
        a.set_sessions([Arc::clone(&done), Arc::new((*open).clone())], true);
        assert_eq!(written(&a), [true, false]);
        assert!(a.rows[1].verdict.in_progress);
        // The file was read to the end: the same shared session is no longer in progress.
        a.set_sessions([Arc::clone(&done), Arc::clone(&open)], true);
        assert!(a.rows[1].verdict.in_progress);
        a.set_sessions([Arc::clone(&done), Arc::clone(&open)], false);
        assert!(!a.rows[1].verdict.in_progress);
        assert_eq!(a.rows[0].verdict.cause, diagnose::diagnose(&done).cause);
    }

    #[test]
    fn mouse_click_selects_row_and_event() {
        let mut a = app();
        a.areas.sessions = Rect::new(0, 1, 80, 6);
        a.areas.timeline = Rect::new(0, 7, 80, 10);
        let click = |col, row| MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: col,
            row,
            modifiers: KeyModifiers::NONE,
        };
        // Border (y=1) and header (y=2) first: y=4 is the second session.
        a.on_mouse(click(5, 4));
        assert_eq!(a.selected().unwrap().session.id, 2);
        a.on_mouse(click(5, 7 + 2 + 1));
        assert_eq!(a.ladder.selected(), Some(1));
        assert_eq!(a.focus, Focus::Timeline);
    }
}
