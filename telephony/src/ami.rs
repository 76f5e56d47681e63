//! An Asterisk Manager Interface (AMI) client: logs in, reads the call
//! events of the PBX and turns them into the same call signals as the
//! webhook (`Newchannel` → ringing, `DialBegin` → whose phone rings,
//! `BridgeEnter` → answered, `Hangup` → ended), reconnecting with a growing,
//! jittered pause whenever the connection drops.
//!
//! AMI speaks in blocks of `Key: Value` lines ended by an empty line. What
//! the PBX sends is bounded here (a line, a block) and a connection that
//! breaks the bounds is dropped and opened again: a confused or hostile
//! peer can neither grow our memory nor stop the client.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};

use domovoy_app::calls::{self, CallSignal, SignalKind};
use domovoy_app::{App, Channel, Requester};
use domovoy_domain::call::{CallDirection, HangupCause, PbxCallId};

/// How the client reaches the PBX.
#[derive(Debug, Clone)]
pub struct AmiConfig {
    /// `host:port` of the manager interface (5038 by default on Asterisk).
    pub address: String,
    pub username: String,
    pub secret: String,
    /// Dialplan contexts whose new channels are calls from outside
    /// (`from-trunk`, `from-pstn`); a channel in any other context is an
    /// extension calling out.
    pub inbound_contexts: Vec<String>,
    /// The first pause before reconnecting; it doubles up to `reconnect_max`.
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
    /// Click-to-call: the channel that rings the person's phone first
    /// (`{extension}` is replaced), and the dialplan context the number is
    /// dialled in.
    pub originate_channel: String,
    pub originate_context: String,
}

impl AmiConfig {
    pub fn new(address: &str, username: &str, secret: &str) -> Self {
        Self {
            address: address.to_owned(),
            username: username.to_owned(),
            secret: secret.to_owned(),
            inbound_contexts: vec!["from-trunk".to_owned(), "from-pstn".to_owned(), "from-external".to_owned()],
            reconnect_min: Duration::from_millis(500),
            reconnect_max: Duration::from_secs(30),
            originate_channel: "PJSIP/{extension}".to_owned(),
            originate_context: "from-internal".to_owned(),
        }
    }
}

/// Longest line and most lines of one AMI block.
const LINE_MAX: usize = 4096;
const LINES_MAX: usize = 256;
/// Calls followed at once; the oldest are forgotten beyond it.
const CALLS_MAX: usize = 10_000;
/// A connection or login that takes longer is given up (and retried).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One AMI block: its lines in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Block(Vec<(String, String)>);

impl Block {
    /// A field by name (AMI's names are case-insensitive).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }
}

/// Why a connection was dropped.
#[derive(Debug, thiserror::Error)]
pub enum AmiError {
    #[error("connection: {0}")]
    Io(#[from] std::io::Error),
    #[error("the PBX closed the connection")]
    Closed,
    #[error("the PBX sent a line or block over the limits")]
    TooLong,
    #[error("not an Asterisk manager interface")]
    NotAmi,
    #[error("login refused: {0}")]
    LoginRefused(String),
    #[error("timed out")]
    Timeout,
}

/// Reads one block; `None` at a clean end of the stream between blocks.
pub async fn read_block<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> Result<Option<Block>, AmiError> {
    let mut block = Vec::new();
    let mut line = Vec::with_capacity(128);
    loop {
        line.clear();
        let read = (&mut *reader).take(LINE_MAX as u64 + 1).read_until(b'\n', &mut line).await?;
        if read == 0 {
            return if block.is_empty() { Ok(None) } else { Err(AmiError::Closed) };
        }
        if line.len() > LINE_MAX || (line.last() != Some(&b'\n') && read > LINE_MAX) {
            return Err(AmiError::TooLong);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if block.is_empty() {
                continue;
            }
            return Ok(Some(Block(block)));
        }
        if block.len() >= LINES_MAX {
            return Err(AmiError::TooLong);
        }
        match text.split_once(':') {
            Some((key, value)) => block.push((key.trim().to_owned(), value.trim().to_owned())),
            None => block.push((text.trim().to_owned(), String::new())),
        }
    }
}

/// A running client; stops when told to.
#[derive(Debug)]
pub struct AmiClient {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    dialer: Arc<AmiDialer>,
}

/// Click-to-call through the AMI connection (`Action: Originate`).
#[derive(Debug)]
pub struct AmiDialer {
    actions: mpsc::Sender<Originate>,
    connected: Arc<AtomicBool>,
}

/// One click-to-call request.
#[derive(Debug, Clone)]
struct Originate {
    extension: String,
    number: String,
}

/// Click-to-call requests waiting to be written.
const ACTIONS_QUEUED: usize = 32;

impl calls::Dialer for AmiDialer {
    fn originate(&self, extension: &str, number: &str) -> Result<(), String> {
        if !self.connected.load(Ordering::Relaxed) {
            return Err("the AMI connection is down".to_owned());
        }
        let request = Originate { extension: clean(extension), number: clean(number) };
        self.actions.try_send(request).map_err(|e| format!("the AMI queue refused the call: {e}"))
    }
}

impl AmiClient {
    /// Connects (and keeps reconnecting) in the background.
    pub fn start(app: App, config: AmiConfig) -> Self {
        let (stop, stopped) = watch::channel(false);
        let (actions, requests) = mpsc::channel(ACTIONS_QUEUED);
        let connected = Arc::new(AtomicBool::new(false));
        let dialer = Arc::new(AmiDialer { actions, connected: connected.clone() });
        let task = tokio::spawn(run(app, config, stopped, requests, connected));
        Self { stop, task, dialer }
    }

    /// What places click-to-call calls through this client.
    pub fn dialer(&self) -> Arc<AmiDialer> {
        self.dialer.clone()
    }

    /// Stops the client and waits for it.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

async fn run(
    app: App,
    config: AmiConfig,
    mut stopped: watch::Receiver<bool>,
    mut requests: mpsc::Receiver<Originate>,
    connected: Arc<AtomicBool>,
) {
    let mut pause = config.reconnect_min;
    let mut tracker = Tracker::new(config.inbound_contexts.clone());
    loop {
        let session = tokio::select! {
            result = session(&app, &config, &mut tracker, &mut pause, &mut requests, &connected) => result,
            _ = stopped.changed() => return,
        };
        connected.store(false, Ordering::Relaxed);
        if let Err(error) = session {
            tracing::warn!(%error, address = %config.address, "AMI connection lost; reconnecting");
            app.metrics.telephony_refused.with(&["ami", "disconnected"]).inc();
        }
        // Jittered, so that several nodes do not knock in step.
        let jitter = Duration::from_millis(u64::from(uuid_byte()) % 100);
        tokio::select! {
            () = tokio::time::sleep(pause + jitter) => {}
            _ = stopped.changed() => return,
        }
        pause = (pause * 2).min(config.reconnect_max);
    }
}

fn uuid_byte() -> u8 {
    uuid::Uuid::now_v7().as_bytes()[15]
}

/// One connection: banner, login, then events (and click-to-call actions
/// written as they come) until it breaks.
async fn session(
    app: &App,
    config: &AmiConfig,
    tracker: &mut Tracker,
    pause: &mut Duration,
    requests: &mut mpsc::Receiver<Originate>,
    connected: &AtomicBool,
) -> Result<(), AmiError> {
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&config.address))
        .await
        .map_err(|_| AmiError::Timeout)??;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    let mut banner = Vec::new();
    tokio::time::timeout(CONNECT_TIMEOUT, (&mut reader).take(LINE_MAX as u64).read_until(b'\n', &mut banner))
        .await
        .map_err(|_| AmiError::Timeout)??;
    if !String::from_utf8_lossy(&banner).starts_with("Asterisk Call Manager") {
        return Err(AmiError::NotAmi);
    }
    let login = format!(
        "Action: Login\r\nActionID: domovoy-login\r\nUsername: {}\r\nSecret: {}\r\nEvents: call\r\n\r\n",
        clean(&config.username),
        clean(&config.secret)
    );
    write.write_all(login.as_bytes()).await?;
    let answer = tokio::time::timeout(CONNECT_TIMEOUT, async {
        loop {
            let Some(block) = read_block(&mut reader).await? else { return Err(AmiError::Closed) };
            if block.get("Response").is_some() {
                return Ok(block);
            }
        }
    })
    .await
    .map_err(|_| AmiError::Timeout)??;
    if !answer.get("Response").is_some_and(|r| r.eq_ignore_ascii_case("Success")) {
        return Err(AmiError::LoginRefused(answer.get("Message").unwrap_or_default().to_owned()));
    }
    tracing::info!(address = %config.address, "AMI logged in");
    *pause = config.reconnect_min;
    connected.store(true, Ordering::Relaxed);
    let system = Requester::system("ami", Channel::Telephony);
    // Two halves until either ends: the events in, the actions out. Neither
    // future is restarted after the other ends, so no half-read block is
    // lost to a cancellation.
    let events = async {
        while let Some(block) = read_block(&mut reader).await? {
            for signal in tracker.signals(&block) {
                if let Err(error) = calls::signal(app, &system, "ami", signal).await {
                    tracing::warn!(%error, "an AMI call event was not stored");
                }
            }
        }
        Err(AmiError::Closed)
    };
    let actions = async {
        while let Some(request) = requests.recv().await {
            let action = originate_action(config, &request);
            write.write_all(action.as_bytes()).await?;
        }
        // The client is being dropped.
        Err(AmiError::Closed)
    };
    tokio::select! {
        result = events => result,
        result = actions => result,
    }
}

/// Numbers click-to-call actions (their `ActionID`).
static ACTION_IDS: AtomicU64 = AtomicU64::new(1);

fn originate_action(config: &AmiConfig, request: &Originate) -> String {
    let channel = config.originate_channel.replace("{extension}", &request.extension);
    let id = ACTION_IDS.fetch_add(1, Ordering::Relaxed);
    format!(
        "Action: Originate\r\nActionID: domovoy-originate-{id}\r\nChannel: {}\r\nContext: {}\r\nExten: {}\r\n\
         Priority: 1\r\nCallerID: {}\r\nAsync: true\r\n\r\n",
        clean(&channel),
        clean(&config.originate_context),
        request.number,
        request.number
    )
}

/// A value written into an action: no line breaks.
fn clean(value: &str) -> String {
    value.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

/// What the client remembers of a call between its events.
#[derive(Debug, Clone)]
struct Followed {
    direction: CallDirection,
    from: String,
    to: String,
    answered: bool,
}

/// Turns AMI events into call signals, following each call by its
/// `Linkedid` (the id of the channel that started it).
#[derive(Debug)]
pub struct Tracker {
    inbound_contexts: Vec<String>,
    calls: HashMap<String, Followed>,
    order: std::collections::VecDeque<String>,
}

impl Tracker {
    pub fn new(inbound_contexts: Vec<String>) -> Self {
        Self { inbound_contexts, calls: HashMap::new(), order: std::collections::VecDeque::new() }
    }

    /// The signals one AMI block means (none for most blocks).
    pub fn signals(&mut self, block: &Block) -> Vec<CallSignal> {
        let Some(event) = block.get("Event") else { return Vec::new() };
        let (Some(unique), Some(linked)) = (block.get("Uniqueid"), block.get("Linkedid")) else {
            return Vec::new();
        };
        let Ok(call_id) = PbxCallId::parse(linked) else { return Vec::new() };
        let first_channel = unique == linked;
        let signal = |kind, f: &Followed, users: Vec<String>, answering: Option<String>| CallSignal {
            kind,
            call_id: call_id.clone(),
            direction: f.direction,
            from: f.from.clone(),
            to: f.to.clone(),
            queue: None,
            users,
            answering,
            recording_url: None,
            at: Utc::now(),
        };
        let bounded = |v: Option<&str>| v.unwrap_or_default().chars().take(64).collect::<String>();
        match event {
            "Newchannel" if first_channel => {
                let context = block.get("Context").unwrap_or_default();
                let direction = if self.inbound_contexts.iter().any(|c| c == context) {
                    CallDirection::In
                } else {
                    CallDirection::Out
                };
                let followed = Followed {
                    direction,
                    from: bounded(block.get("CallerIDNum")),
                    to: bounded(block.get("Exten")),
                    answered: false,
                };
                let users = match direction {
                    CallDirection::Out => vec![followed.from.clone()],
                    CallDirection::In => Vec::new(),
                };
                let ring = signal(SignalKind::Ringing, &followed, users, None);
                self.remember(linked, followed);
                vec![ring]
            }
            "DialBegin" => {
                let Some(f) = self.calls.get(linked) else { return Vec::new() };
                if f.direction != CallDirection::In {
                    return Vec::new();
                }
                let rung = bounded(block.get("DestCallerIDNum"));
                if rung.is_empty() {
                    return Vec::new();
                }
                vec![signal(SignalKind::Ringing, f, vec![rung], None)]
            }
            "BridgeEnter" if !first_channel => {
                let Some(f) = self.calls.get_mut(linked) else { return Vec::new() };
                if f.answered {
                    return Vec::new();
                }
                f.answered = true;
                let answering = match f.direction {
                    CallDirection::In => bounded(block.get("CallerIDNum")),
                    CallDirection::Out => f.from.clone(),
                };
                let f = f.clone();
                vec![signal(SignalKind::Answered, &f, vec![answering.clone()], Some(answering))]
            }
            "Hangup" if first_channel => {
                let Some(f) = self.calls.remove(linked) else { return Vec::new() };
                self.order.retain(|id| id != linked);
                let cause = match block.get("Cause").and_then(|c| c.parse::<u16>().ok()) {
                    Some(17) => HangupCause::Busy,
                    Some(18 | 19) => HangupCause::NoAnswer,
                    Some(1 | 3) => HangupCause::NotFound,
                    Some(34 | 38 | 41 | 42) => HangupCause::Congestion,
                    _ if f.answered => HangupCause::NormalClearing,
                    _ => HangupCause::Cancel,
                };
                vec![signal(SignalKind::Ended(Some(cause)), &f, Vec::new(), None)]
            }
            _ => Vec::new(),
        }
    }

    fn remember(&mut self, linked: &str, followed: Followed) {
        if self.calls.insert(linked.to_owned(), followed).is_none() {
            self.order.push_back(linked.to_owned());
        }
        while self.order.len() > CALLS_MAX {
            if let Some(oldest) = self.order.pop_front() {
                self.calls.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(lines: &[(&str, &str)]) -> Block {
        Block(lines.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[tokio::test]
    async fn blocks_are_read_and_bounded() {
        let text = b"Event: Newchannel\r\nUniqueid: 1.1\r\nLinkedid: 1.1\r\n\r\nResponse: Success\r\n\r\n";
        let mut reader = BufReader::new(&text[..]);
        let first = read_block(&mut reader).await.unwrap().unwrap();
        assert_eq!(first.get("event"), Some("Newchannel"));
        assert_eq!(read_block(&mut reader).await.unwrap().unwrap().get("Response"), Some("Success"));
        assert!(read_block(&mut reader).await.unwrap().is_none());
        let long = [b"Event: ".as_slice(), &vec![b'x'; LINE_MAX * 2], b"\r\n\r\n"].concat();
        assert!(matches!(read_block(&mut BufReader::new(&long[..])).await, Err(AmiError::TooLong)));
        let many: Vec<u8> = (0..LINES_MAX + 5).flat_map(|i| format!("K{i}: v\r\n").into_bytes()).collect();
        assert!(matches!(read_block(&mut BufReader::new(&many[..])).await, Err(AmiError::TooLong)));
    }

    #[test]
    fn an_inbound_call_rings_is_answered_and_ends() {
        let mut tracker = Tracker::new(vec!["from-trunk".to_owned()]);
        let ring = tracker.signals(&block(&[
            ("Event", "Newchannel"),
            ("Context", "from-trunk"),
            ("CallerIDNum", "89001000002"),
            ("Exten", "4951234567"),
            ("Uniqueid", "17.1"),
            ("Linkedid", "17.1"),
        ]));
        assert_eq!(ring.len(), 1);
        assert_eq!(ring[0].kind, SignalKind::Ringing);
        assert_eq!(ring[0].direction, CallDirection::In);
        assert_eq!(ring[0].from, "89001000002");
        let dial = tracker.signals(&block(&[
            ("Event", "DialBegin"),
            ("Uniqueid", "17.1"),
            ("Linkedid", "17.1"),
            ("DestCallerIDNum", "101"),
        ]));
        assert_eq!(dial[0].users, ["101"]);
        let answer = tracker.signals(&block(&[
            ("Event", "BridgeEnter"),
            ("Uniqueid", "17.2"),
            ("Linkedid", "17.1"),
            ("CallerIDNum", "101"),
        ]));
        assert_eq!(answer[0].kind, SignalKind::Answered);
        assert_eq!(answer[0].answering.as_deref(), Some("101"));
        // The agent's own channel hanging up is not the end of the call.
        assert!(tracker.signals(&block(&[("Event", "Hangup"), ("Uniqueid", "17.2"), ("Linkedid", "17.1")])).is_empty());
        let end = tracker.signals(&block(&[
            ("Event", "Hangup"),
            ("Uniqueid", "17.1"),
            ("Linkedid", "17.1"),
            ("Cause", "16"),
        ]));
        assert_eq!(end[0].kind, SignalKind::Ended(Some(HangupCause::NormalClearing)));
        assert!(tracker.calls.is_empty());
    }

    #[test]
    fn causes_of_unanswered_calls_are_mapped() {
        for (cause, expected) in [
            ("17", HangupCause::Busy),
            ("19", HangupCause::NoAnswer),
            ("1", HangupCause::NotFound),
            ("34", HangupCause::Congestion),
            ("16", HangupCause::Cancel),
        ] {
            let mut tracker = Tracker::new(vec!["from-trunk".to_owned()]);
            tracker.signals(&block(&[
                ("Event", "Newchannel"),
                ("Context", "from-trunk"),
                ("Uniqueid", "1"),
                ("Linkedid", "1"),
            ]));
            let end =
                tracker.signals(&block(&[("Event", "Hangup"), ("Uniqueid", "1"), ("Linkedid", "1"), ("Cause", cause)]));
            assert_eq!(end[0].kind, SignalKind::Ended(Some(expected)), "{cause}");
        }
    }

    #[test]
    fn an_extension_calling_out_is_an_outbound_call() {
        let mut tracker = Tracker::new(vec!["from-trunk".to_owned()]);
        let ring = tracker.signals(&block(&[
            ("Event", "Newchannel"),
            ("Context", "from-internal"),
            ("CallerIDNum", "101"),
            ("Exten", "89001000002"),
            ("Uniqueid", "5"),
            ("Linkedid", "5"),
        ]));
        assert_eq!(ring[0].direction, CallDirection::Out);
        assert_eq!(ring[0].to, "89001000002");
        assert_eq!(ring[0].users, ["101"]);
    }

    #[test]
    fn events_of_unknown_calls_and_other_events_mean_nothing() {
        let mut tracker = Tracker::new(Vec::new());
        assert!(tracker.signals(&block(&[("Event", "PeerStatus")])).is_empty());
        assert!(tracker.signals(&block(&[("Event", "Hangup"), ("Uniqueid", "9"), ("Linkedid", "9")])).is_empty());
        assert!(tracker.signals(&block(&[("Event", "BridgeEnter"), ("Uniqueid", "8"), ("Linkedid", "9")])).is_empty());
    }
}
