//! Video playback: a [`VideoPlayer`] component streams an MP4 from the file service with HTTP
//! range requests, decodes it on a worker thread of its own (demux `mp4`, decode OpenH264) and
//! shows each frame when its time comes on the player's clock. Frames that are late are
//! dropped, never queued: the worker waits (a channel of two) while the player is paused.
//!
//! The view turns [`VideoPlayer::frame`] into a texture; everything here runs headless.

use std::collections::VecDeque;
use std::sync::Arc;

use bevy::prelude::*;

use crate::schedule::KioskSet;
use crossbeam_channel::{Receiver, Sender, bounded, select};
use customerclient_video::{Frame, RangeReader, VideoInfo, VideoReader};
use uuid::Uuid;

use crate::bridge::Bridge;

pub(crate) fn plugin(app: &mut App) {
    app.add_message::<VideoAction>().add_systems(
        Update,
        (
            (start_players, apply_video_actions)
                .chain()
                .in_set(KioskSet::Apply),
            advance_players.in_set(KioskSet::Timers),
        ),
    );
}

/// Block size of the range requests.
const FETCH_BLOCK: usize = 16 * 1024;

#[derive(Message, Debug, Clone, PartialEq)]
pub enum VideoAction {
    TogglePlay(Entity),
    Pause(Entity),
    Play(Entity),
    /// Jump to this many seconds from the start.
    Seek(Entity, f64),
    ToggleMute(Entity),
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlayerState {
    /// Fetching the header and the first frame.
    Loading,
    Playing,
    Paused,
    /// At the end of a clip that does not loop.
    Ended,
    /// A damaged, truncated or unsupported file, or no connection: the message says which.
    Failed(String),
}

enum Command {
    Seek { seconds: f64, epoch: u64 },
}

/// Carries out a command on the decoder: after a seek, frames belong to the new `epoch` and
/// their times start again from the file's.
fn obey<R: std::io::Read + std::io::Seek>(
    video: &mut VideoReader<R>,
    cmd: Command,
    epoch: &mut u64,
    offset: &mut f64,
) -> Result<(), String> {
    match cmd {
        Command::Seek { seconds, epoch: e } => {
            *epoch = e;
            *offset = 0.0;
            video.seek(seconds).map_err(|e| e.to_string())
        }
    }
}

enum WorkerMsg {
    Info(VideoInfo),
    Frame {
        frame: Frame,
        epoch: u64,
        /// Bytes fetched from the file service so far.
        fetched: u64,
    },
    End,
    Error(String),
}

struct Worker {
    commands: Sender<Command>,
    messages: Receiver<WorkerMsg>,
}

/// A video being played from the file service.
#[derive(Component)]
pub struct VideoPlayer {
    pub file: Uuid,
    pub looping: bool,
    pub muted: bool,
    pub state: PlayerState,
    pub info: Option<VideoInfo>,
    /// Seconds of video time now on screen (grows past the duration while looping).
    pub clock: f64,
    /// The frame on screen, and a counter that changes whenever it does.
    pub frame: Option<Arc<Frame>>,
    pub generation: u64,
    /// Frames that came too late to be shown.
    pub dropped: u64,
    /// Bytes fetched when the first frame was shown, and so far.
    pub fetched_at_first_frame: Option<u64>,
    pub fetched: u64,
    /// Set while paused by the customer, so loading does not start playback.
    wants_pause: bool,
    /// The decoder has sent the last frame (of a clip that does not loop).
    end_reached: bool,
    worker: Option<Worker>,
    queue: VecDeque<Frame>,
    epoch: u64,
}

impl VideoPlayer {
    pub fn new(file: Uuid, looping: bool) -> Self {
        Self {
            file,
            looping,
            muted: true,
            state: PlayerState::Loading,
            info: None,
            clock: 0.0,
            frame: None,
            generation: 0,
            dropped: 0,
            fetched_at_first_frame: None,
            fetched: 0,
            wants_pause: false,
            end_reached: false,
            worker: None,
            queue: VecDeque::new(),
            epoch: 0,
        }
    }

    /// Position within the clip, seconds.
    pub fn position(&self) -> f64 {
        match self.info {
            Some(i) if i.duration > 0.0 && self.looping => self.clock % i.duration,
            Some(i) => self.clock.min(i.duration),
            None => self.clock,
        }
    }

    pub fn is_playing(&self) -> bool {
        self.state == PlayerState::Playing
    }

    fn seek(&mut self, seconds: f64) {
        let Some(worker) = &self.worker else { return };
        let duration = self.info.map_or(0.0, |i| i.duration);
        let seconds = seconds.clamp(0.0, (duration - 0.001).max(0.0));
        self.epoch += 1;
        self.queue.clear();
        self.end_reached = false;
        self.clock = seconds;
        let _ = worker.commands.send(Command::Seek {
            seconds,
            epoch: self.epoch,
        });
        if self.state == PlayerState::Ended {
            self.state = PlayerState::Paused;
        }
    }
}

/// Bytes of a range, and the file's whole size if the server said it.
type Fetched = std::io::Result<(Vec<u8>, Option<u64>)>;

/// Range-fetches a file through the bridge's runtime, for the decoding thread: `len` bytes at
/// `offset`, and the whole size from `Content-Range`.
fn fetcher(
    bridge: &Bridge,
    file: Uuid,
) -> Option<impl FnMut(u64, usize) -> Fetched + Send + 'static> {
    let (runtime, http, base) = bridge.blocking_parts()?;
    let url = format!("{base}{}", customerclient_api::files::file_path(file));
    Some(
        move |offset: u64, len: usize| -> std::io::Result<(Vec<u8>, Option<u64>)> {
            let range = format!("bytes={}-{}", offset, offset + len.max(1) as u64 - 1);
            runtime.block_on(async {
                let resp = http
                    .get(&url)
                    .header(reqwest::header::RANGE, range)
                    .send()
                    .await
                    .map_err(std::io::Error::other)?;
                if resp.status() != reqwest::StatusCode::PARTIAL_CONTENT {
                    return Err(std::io::Error::other(format!(
                        "the file service answered {}",
                        resp.status()
                    )));
                }
                let total = resp
                    .headers()
                    .get(reqwest::header::CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.rsplit('/').next())
                    .and_then(|v| v.parse::<u64>().ok());
                let bytes = resp.bytes().await.map_err(std::io::Error::other)?;
                Ok((bytes.to_vec(), total))
            })
        },
    )
}

/// The decoding thread: opens the file, sends frames (waiting while the channel is full),
/// obeys seeks, loops or ends.
fn run_worker(
    mut fetch: impl FnMut(u64, usize) -> Fetched + Send + 'static,
    looping: bool,
    commands: Receiver<Command>,
    out: Sender<WorkerMsg>,
) {
    let fail = |out: &Sender<WorkerMsg>, e: String| {
        let _ = out.send(WorkerMsg::Error(e));
    };
    // The first byte's answer says how big the file is.
    let size = match fetch(0, 1) {
        Ok((_, Some(size))) => size,
        Ok((_, None)) => return fail(&out, "the file service did not say the size".into()),
        Err(e) => return fail(&out, e.to_string()),
    };
    let fetched = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = fetched.clone();
    let reader = RangeReader::new(
        size,
        FETCH_BLOCK,
        Box::new(move |offset, len| {
            let (bytes, _) = fetch(offset, len)?;
            counter.fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
            Ok(bytes)
        }),
    );
    let mut video = match VideoReader::open(reader, size) {
        Ok(v) => v,
        Err(e) => return fail(&out, e.to_string()),
    };
    let info = video.info();
    if out.send(WorkerMsg::Info(info)).is_err() {
        return;
    }
    let mut epoch = 0;
    let mut offset = 0.0;
    loop {
        // Obey every command that is waiting before decoding on.
        while let Ok(cmd) = commands.try_recv() {
            if let Err(e) = obey(&mut video, cmd, &mut epoch, &mut offset) {
                return fail(&out, e);
            }
        }
        let msg = match video.next_frame() {
            Ok(Some(mut frame)) => {
                frame.pts += offset;
                WorkerMsg::Frame {
                    frame,
                    epoch,
                    fetched: fetched.load(std::sync::atomic::Ordering::Relaxed),
                }
            }
            Ok(None) if looping => {
                offset += info.duration;
                if let Err(e) = video.rewind() {
                    return fail(&out, e.to_string());
                }
                continue;
            }
            Ok(None) => WorkerMsg::End,
            Err(e) => return fail(&out, e.to_string()),
        };
        let ended = matches!(msg, WorkerMsg::End);
        // Wait for room (the player is paused or behind) or for a command.
        select! {
            send(out, msg) -> sent => if sent.is_err() { return },
            recv(commands) -> cmd => match cmd {
                Ok(cmd) => if let Err(e) = obey(&mut video, cmd, &mut epoch, &mut offset) {
                    return fail(&out, e);
                },
                Err(_) => return,
            },
        }
        if ended {
            // Nothing more to decode until a seek.
            match commands.recv() {
                Ok(cmd) => {
                    if let Err(e) = obey(&mut video, cmd, &mut epoch, &mut offset) {
                        return fail(&out, e);
                    }
                }
                Err(_) => return,
            }
        }
    }
}

/// Starts the decoding thread of every new player once the backend is reachable.
fn start_players(mut players: Query<&mut VideoPlayer>, bridge: Res<Bridge>) {
    for mut p in &mut players {
        if p.worker.is_some() || p.state != PlayerState::Loading {
            continue;
        }
        let Some(fetch) = fetcher(&bridge, p.file) else {
            continue;
        };
        let (cmd_tx, cmd_rx) = bounded(8);
        let (msg_tx, msg_rx) = bounded(2);
        let looping = p.looping;
        let spawned = std::thread::Builder::new()
            .name("video-decode".into())
            .spawn(move || run_worker(fetch, looping, cmd_rx, msg_tx));
        match spawned {
            Ok(_) => {
                p.worker = Some(Worker {
                    commands: cmd_tx,
                    messages: msg_rx,
                })
            }
            Err(e) => p.state = PlayerState::Failed(e.to_string()),
        }
    }
}

fn apply_video_actions(
    mut actions: MessageReader<VideoAction>,
    mut players: Query<&mut VideoPlayer>,
) {
    for action in actions.read() {
        let entity = match action {
            VideoAction::TogglePlay(e)
            | VideoAction::Pause(e)
            | VideoAction::Play(e)
            | VideoAction::Seek(e, _)
            | VideoAction::ToggleMute(e) => *e,
        };
        let Ok(mut p) = players.get_mut(entity) else {
            continue;
        };
        let play = match action {
            VideoAction::TogglePlay(_) => {
                Some(!(p.is_playing() || p.state == PlayerState::Loading && !p.wants_pause))
            }
            VideoAction::Pause(_) => Some(false),
            VideoAction::Play(_) => Some(true),
            VideoAction::Seek(_, s) => {
                p.seek(*s);
                None
            }
            VideoAction::ToggleMute(_) => {
                p.muted = !p.muted;
                None
            }
        };
        match play {
            Some(true) => {
                p.wants_pause = false;
                if p.state == PlayerState::Ended {
                    p.seek(0.0);
                }
                if matches!(p.state, PlayerState::Paused) {
                    p.state = PlayerState::Playing;
                }
            }
            Some(false) => {
                p.wants_pause = true;
                if p.state == PlayerState::Playing {
                    p.state = PlayerState::Paused;
                }
            }
            None => {}
        }
    }
}

/// Advances each playing clock and shows the newest frame that is due; older due frames are
/// dropped. Messages are taken only while fewer than two frames wait, so a paused player
/// holds the decoder back instead of piling frames up.
fn advance_players(mut players: Query<&mut VideoPlayer>, time: Res<Time>) {
    for mut p in &mut players {
        let p = &mut *p;
        let Some(worker) = &p.worker else { continue };
        if p.state == PlayerState::Playing {
            p.clock += time.delta_secs_f64();
        }
        while p.queue.len() < 2 {
            let Ok(msg) = worker.messages.try_recv() else {
                break;
            };
            match msg {
                WorkerMsg::Info(info) => p.info = Some(info),
                WorkerMsg::Frame {
                    frame,
                    epoch,
                    fetched,
                } => {
                    p.fetched = fetched;
                    if epoch == p.epoch {
                        p.queue.push_back(frame);
                    }
                }
                WorkerMsg::End => p.end_reached = true,
                WorkerMsg::Error(e) => {
                    warn!("video {}: {e}", p.file);
                    p.state = PlayerState::Failed(e);
                    p.queue.clear();
                }
            }
        }
        if matches!(p.state, PlayerState::Failed(_)) {
            continue;
        }
        if p.state == PlayerState::Loading {
            // The first frame starts the clock.
            if let Some(first) = p.queue.front() {
                p.clock = first.pts;
                p.state = if p.wants_pause {
                    PlayerState::Paused
                } else {
                    PlayerState::Playing
                };
                p.fetched_at_first_frame = Some(p.fetched);
            } else {
                continue;
            }
        }
        let mut shown = None;
        while p.queue.front().is_some_and(|f| f.pts <= p.clock + 1e-9) {
            if shown.is_some() {
                p.dropped += 1;
            }
            shown = p.queue.pop_front();
        }
        // After a seek nothing is due until the first new frame: show it at once.
        if shown.is_none() && p.frame.is_none() {
            shown = p.queue.pop_front();
        }
        if let Some(f) = shown {
            p.frame = Some(Arc::new(f));
            p.generation += 1;
        }
        if p.end_reached && p.queue.is_empty() && p.state == PlayerState::Playing {
            p.state = PlayerState::Ended;
        }
    }
}
