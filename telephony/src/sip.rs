//! A SIP listener the PBX forks incoming calls to (parallel ring): it rings,
//! reads who calls, and never answers with media.
//!
//! The PBX sends the listener the same INVITE it sends the dispatchers'
//! phones. The listener answers `100 Trying` and `180 Ringing` and turns the
//! call into the same [`CallSignal`]s as the webhook, so the dispatchers see
//! the caller's card while the phones ring:
//!
//! | the PBX sends | the listener answers | the call |
//! |---|---|---|
//! | INVITE | 100, 180 (486 for a blocked number, 503 when full) | ringing |
//! | CANCEL | 200 for the CANCEL, 487 for the INVITE | missed (answered, when `Reason: SIP;cause=200`: taken on another phone) |
//! | BYE | 200 (and 487 for an INVITE still ringing) | ended |
//! | nothing for [`SipConfig::ring_timeout`] | 480 for the INVITE | missed |
//! | OPTIONS | 200 | — |
//!
//! The caller is read from `P-Asserted-Identity`, then `Remote-Party-ID`,
//! then `From`. Messages are parsed and transactions kept by `rsipstack`
//! (DESIGN.md §11): a retransmitted INVITE is the same transaction and
//! gets the last answer again. What a peer sends is bounded by the stack (a
//! datagram of 8 KiB, a TCP message of 64 KiB) and by [`SipConfig::calls_max`];
//! a message from an address not in [`SipConfig::allowed_peers`] is dropped
//! unanswered and counted in `domovoy_telephony_refused_total{door="sip"}`.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use rsipstack::EndpointBuilder;
use rsipstack::platform::CancellationToken;
use rsipstack::sip::prelude::{HeadersExt, ToTypedHeader};
use rsipstack::sip::{Method, Request, Response, Scheme, StatusCode, Uri};
use rsipstack::transaction::endpoint::EndpointInnerRef;
use rsipstack::transaction::make_tag;
use rsipstack::transaction::transaction::{Transaction, TransactionEvent, TransactionEventSender};
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::{TcpListenerConnection, TransportLayer};
use tokio::task::JoinSet;

use domovoy_app::calls::{self, CallSignal, SignalKind, Verdict};
use domovoy_app::{App, Channel, Requester};
use domovoy_domain::call::{CallDirection, HangupCause, PbxCallId};

/// What the listener listens on and whom it hears.
#[derive(Debug, Clone)]
pub struct SipConfig {
    /// Where it listens, UDP and TCP on the same port (port 0: a free one).
    pub listen: SocketAddr,
    /// The PBXes that may send to it; everyone else is dropped unanswered.
    pub allowed_peers: Vec<IpAddr>,
    /// A call nobody cancels for this long is given up (480) and missed.
    pub ring_timeout: Duration,
    /// Calls ringing at once; an INVITE beyond them gets 503.
    pub calls_max: usize,
}

impl SipConfig {
    /// Reads `listen` and `allowed_peers` as the settings give them.
    pub fn new(listen: &str, allowed_peers: &[String]) -> Result<Self, SipError> {
        let listen = listen.parse().map_err(|_| SipError::Listen(listen.to_owned()))?;
        let allowed_peers = allowed_peers
            .iter()
            .map(|peer| peer.trim().parse().map_err(|_| SipError::Peer(peer.clone())))
            .collect::<Result<Vec<IpAddr>, _>>()?;
        if allowed_peers.is_empty() {
            return Err(SipError::NoPeers);
        }
        Ok(Self { listen, allowed_peers, ring_timeout: Duration::from_secs(300), calls_max: 2_000 })
    }
}

/// Why the listener did not start.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("telephony.sip.listen {0:?} is not an address and port (e.g. \"0.0.0.0:5070\")")]
    Listen(String),
    #[error("telephony.sip.allowed_peers: {0:?} is not an IP address")]
    Peer(String),
    #[error("telephony.sip.allowed_peers is empty: no PBX could reach the listener")]
    NoPeers,
    #[error("cannot listen for SIP on {address} ({transport}): {reason}")]
    Bind { address: SocketAddr, transport: &'static str, reason: String },
}

/// What one INVITE says about its call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub call_id: PbxCallId,
    /// The caller's number as the PBX asserts it.
    pub from: String,
    /// The number dialled (the To header's user).
    pub to: String,
    /// Whom the fork rings (the request URI's user: an extension, a queue
    /// or a login), when it is not the number dialled.
    pub target: Option<String>,
}

/// Why an INVITE was refused (400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    #[error("no usable Call-ID")]
    CallId,
    #[error("no usable From or To")]
    Party,
}

/// Reads an INVITE: the call's id, the caller (P-Asserted-Identity, then
/// Remote-Party-ID, then From), the number dialled and the fork's target.
pub fn read_invite(request: &Request) -> Result<Invite, InviteError> {
    let call_id = request.call_id_header().map_err(|_| InviteError::CallId)?;
    let call_id = PbxCallId::parse(call_id.value().trim()).map_err(|_| InviteError::CallId)?;
    let asserted = ["P-Asserted-Identity", "Remote-Party-ID"].into_iter().find_map(|name| {
        request
            .headers
            .iter()
            .filter(|header| header.name().eq_ignore_ascii_case(name))
            .find_map(|header| number_in(header.value()))
    });
    let from = match asserted {
        Some(number) => number,
        None => {
            let from = request.from_header().map_err(|_| InviteError::Party)?;
            from.typed().ok().and_then(|from| number_of(&from.uri)).ok_or(InviteError::Party)?
        }
    };
    let to = request.to_header().map_err(|_| InviteError::Party)?;
    let to = to.typed().ok().and_then(|to| number_of(&to.uri)).unwrap_or_default();
    let target = number_of(request.uri()).filter(|target| *target != to);
    Ok(Invite { call_id, from, to, target })
}

/// The number of a name-addr header value (`"Name" <sip:+7…@host>;…`).
fn number_in(value: &str) -> Option<String> {
    let address = rsipstack::sip::typed::From::parse(value.trim()).ok()?;
    number_of(&address.uri)
}

/// The user part of a SIP URI, or the number of a `tel:` URI.
fn number_of(uri: &Uri) -> Option<String> {
    let number = match (uri.user(), &uri.scheme) {
        (Some(user), _) => user.to_owned(),
        (None, Some(Scheme::Other(scheme))) if scheme.eq_ignore_ascii_case("tel") => uri.host().to_string(),
        _ => return None,
    };
    let number = number.trim();
    (!number.is_empty() && !number.chars().any(char::is_control)).then(|| number.to_owned())
}

/// Whether a CANCEL says the call was taken on another phone (RFC 3326:
/// `Reason: SIP;cause=200;text="Call completed elsewhere"`). The stack
/// keeps `Reason` untyped; its grammar is a protocol and `;name=value`
/// parameters, with optional spaces around `;` and `=`.
fn answered_elsewhere(cancel: &Request) -> bool {
    cancel.headers.iter().filter(|header| header.name().eq_ignore_ascii_case("Reason")).any(|header| {
        let mut parts = header.value().split(';').map(str::trim);
        let sip = parts.next().is_some_and(|protocol| protocol.eq_ignore_ascii_case("SIP"));
        sip && parts
            .filter_map(|param| param.split_once('='))
            .any(|(name, value)| name.trim().eq_ignore_ascii_case("cause") && value.trim() == "200")
    })
}

/// A running listener.
#[derive(Debug)]
pub struct SipListener {
    cancel: CancellationToken,
    local: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl SipListener {
    /// Binds UDP and TCP on `config.listen` and starts answering. Must run
    /// inside a Tokio runtime (actix's is one).
    pub async fn start(app: App, config: SipConfig) -> Result<Self, SipError> {
        let cancel = CancellationToken::new();
        let bind_error = |transport, reason: String| SipError::Bind { address: config.listen, transport, reason };
        // Port 0 asks for a free one: UDP picks it, and TCP may hold that
        // number already (an outgoing connection's port): then try another.
        let tries = if config.listen.port() == 0 { 20 } else { 1 };
        let mut attempt = 1;
        let (udp, local) = loop {
            let udp = UdpConnection::create_connection(config.listen, None, Some(cancel.child_token()))
                .await
                .map_err(|e| bind_error("UDP", e.to_string()))?;
            let port = udp.get_addr().get_socketaddr().map_err(|e| bind_error("UDP", e.to_string()))?.port();
            let local = SocketAddr::new(config.listen.ip(), port);
            // The stack binds TCP when it starts serving and only logs a
            // failure; a trial bind here makes a taken port an error at startup.
            match std::net::TcpListener::bind(local) {
                Ok(_) => break (udp, local),
                Err(_) if attempt < tries => attempt += 1,
                Err(e) => return Err(bind_error("TCP", e.to_string())),
            }
        };
        let tcp = TcpListenerConnection::new(local, None).await.map_err(|e| bind_error("TCP", e.to_string()))?;

        let transport = TransportLayer::new(cancel.clone());
        let allowed = Arc::new(config.allowed_peers.clone());
        let metrics = app.metrics.clone();
        transport.set_whitelist(move |ip: IpAddr| {
            let allowed = allowed.iter().any(|peer| *peer == ip || peer.to_canonical() == ip.to_canonical());
            if !allowed {
                metrics.telephony_refused.with(&["sip", "peer"]).inc();
            }
            std::future::ready(allowed)
        });
        transport.add_transport(udp.into());
        transport.add_transport(tcp.into());
        let endpoint = EndpointBuilder::new()
            .with_transport_layer(transport)
            .with_cancel_token(cancel.clone())
            .with_user_agent(concat!("Domovoy/", env!("CARGO_PKG_VERSION")))
            .with_allows(vec![Method::Invite, Method::Ack, Method::Cancel, Method::Bye, Method::Options])
            .build();
        let incoming = endpoint.incoming_transactions().map_err(|e| bind_error("UDP", e.to_string()))?;
        let task = tokio::spawn(serve(app, config, endpoint, incoming, cancel.clone()));
        tracing::info!(%local, "SIP listener started (UDP and TCP)");
        Ok(Self { cancel, local, task })
    }

    /// Where it listens (the chosen port when asked for 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Stops listening; calls still ringing are left to the stale-call job.
    pub async fn stop(mut self) {
        self.cancel.cancel();
        let _ = (&mut self.task).await;
    }
}

impl Drop for SipListener {
    /// A listener dropped without `stop` (a start that failed later) stops
    /// listening too.
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// A call that rings: how to end its INVITE from elsewhere (a BYE, the
/// timeout) and whether its end was already told.
struct Ringing {
    invite: TransactionEventSender,
    terminated: Response,
    ended: Arc<AtomicBool>,
    call: Arc<Invite>,
}

impl Ringing {
    /// Ends the INVITE from outside its transaction (a BYE, the timeout)
    /// with `response`, and tells the call's end.
    async fn finish(self, app: &App, response: Response, cause: HangupCause) {
        let _ = self.invite.send(TransactionEvent::Respond(response));
        end(app, &self.call, &self.ended, Some(cause), false).await;
    }
}

type Live = Arc<Mutex<HashMap<String, Ringing>>>;

/// What every transaction of the listener works with.
struct Listener {
    app: App,
    config: SipConfig,
    inner: EndpointInnerRef,
    /// The calls ringing now, by Call-ID.
    live: Live,
}

async fn serve(
    app: App,
    config: SipConfig,
    endpoint: rsipstack::transaction::Endpoint,
    mut incoming: rsipstack::transaction::TransactionReceiver,
    cancel: CancellationToken,
) {
    let listener = Arc::new(Listener { app, config, inner: endpoint.inner.clone(), live: Live::default() });
    let mut tasks = JoinSet::new();
    tasks.spawn(async move { endpoint.serve().await });
    loop {
        let transaction = tokio::select! {
            () = cancel.cancelled() => break,
            next = incoming.recv() => match next {
                Some(transaction) => transaction,
                None => break,
            },
        };
        while tasks.try_join_next().is_some() {}
        let listener = listener.clone();
        tasks.spawn(async move {
            if let Err(error) = handle(&listener, transaction).await {
                tracing::debug!(%error, "a SIP transaction failed");
            }
        });
    }
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    tracing::info!("SIP listener stopped");
}

async fn handle(listener: &Listener, mut tx: Transaction) -> rsipstack::Result<()> {
    match tx.original.method {
        Method::Invite => invite(listener, tx).await,
        Method::Options => tx.reply(StatusCode::OK).await,
        Method::Bye => {
            tx.reply(StatusCode::OK).await?;
            let call_id = tx.original.call_id_header().map(|c| c.value().trim().to_owned()).unwrap_or_default();
            if let Some(ringing) = take(&listener.live, &call_id) {
                let terminated = ringing.terminated.clone();
                ringing.finish(&listener.app, terminated, HangupCause::NormalClearing).await;
            }
            Ok(())
        }
        _ => tx.reply(StatusCode::MethodNotAllowed).await,
    }
}

/// The system requester the listener stores calls as.
fn requester() -> Requester {
    Requester::system("sip", Channel::Telephony)
}

async fn invite(listener: &Listener, mut tx: Transaction) -> rsipstack::Result<()> {
    let Listener { app, config, inner, live } = listener;
    let call = match read_invite(&tx.original) {
        Ok(call) => Arc::new(call),
        Err(error) => {
            app.metrics.telephony_refused.with(&["sip", "malformed"]).inc();
            tracing::debug!(%error, "an INVITE was refused");
            return tx.reply(StatusCode::BadRequest).await;
        }
    };
    tx.reply(StatusCode::Trying).await?;
    // One tag for every answer of this INVITE (the early dialog's).
    let to = tx.original.to_header()?.clone();
    if to.tag()?.is_none() {
        tx.original.headers.unique_push(to.with_tag(make_tag()).into());
    }
    let key = call.call_id.as_str().to_owned();
    let ended = Arc::new(AtomicBool::new(false));
    let full = {
        let mut live = live.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let full = live.len() >= config.calls_max;
        if !full {
            live.insert(
                key.clone(),
                Ringing {
                    invite: tx.tu_sender.clone(),
                    terminated: inner.make_response(&tx.original, StatusCode::RequestTerminated, None),
                    ended: ended.clone(),
                    call: call.clone(),
                },
            );
        }
        full
    };
    if full {
        app.metrics.telephony_refused.with(&["sip", "full"]).inc();
        return tx.reply(StatusCode::ServiceUnavailable).await;
    }
    let verdict = match calls::signal(app, &requester(), "sip", signal(&call, SignalKind::Ringing)).await {
        Ok(outcome) => outcome.verdict,
        Err(error) => {
            // The PBX still rings the phones; the call is lost to the
            // board only, and the log says why.
            tracing::warn!(%error, call_id = %key, "a SIP call was not stored");
            Verdict::Accept
        }
    };
    if verdict == Verdict::Reject {
        take(live, &key);
        ended.store(true, Ordering::SeqCst);
        return tx.reply(StatusCode::BusyHere).await;
    }
    tx.reply(StatusCode::Ringing).await?;
    // The timeout answers through the transaction's own channel (its
    // `receive` is not cancel-safe, so it is never raced against a timer).
    let timeout = {
        let (app, live, key) = (app.clone(), live.clone(), key.clone());
        let given_up = inner.make_response(&tx.original, StatusCode::TemporarilyUnavailable, None);
        let after = config.ring_timeout;
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            if let Some(ringing) = take(&live, &key) {
                ringing.finish(&app, given_up, HangupCause::NoAnswer).await;
            }
        })
    };
    while let Some(message) = tx.receive().await {
        let rsipstack::sip::SipMessage::Request(request) = message else { continue };
        if request.method == Method::Cancel && take(live, &key).is_some() {
            // The stack has answered the CANCEL with 200.
            tx.reply(StatusCode::RequestTerminated).await?;
            let elsewhere = answered_elsewhere(&request);
            let cause = if elsewhere { HangupCause::NormalClearing } else { HangupCause::Cancel };
            end(app, &call, &ended, Some(cause), elsewhere).await;
        }
    }
    timeout.abort();
    take(live, &key);
    Ok(())
}

/// Forgets a ringing call and returns it; `None` when something else
/// already ended it.
fn take(live: &Live, key: &str) -> Option<Ringing> {
    live.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(key)
}

/// Tells the call's end once, whichever of CANCEL, BYE and the timeout
/// comes first. `answered`: taken on another phone before it ended.
async fn end(app: &App, call: &Invite, ended: &AtomicBool, cause: Option<HangupCause>, answered: bool) {
    if ended.swap(true, Ordering::SeqCst) {
        return;
    }
    let mut signals = Vec::with_capacity(2);
    if answered {
        signals.push(signal(call, SignalKind::Answered));
    }
    signals.push(signal(call, SignalKind::Ended(cause)));
    for piece in signals {
        if let Err(error) = calls::signal(app, &requester(), "sip", piece).await {
            tracing::warn!(%error, call_id = %call.call_id.as_str(), "the end of a SIP call was not stored");
        }
    }
}

fn signal(call: &Invite, kind: SignalKind) -> CallSignal {
    CallSignal {
        kind,
        call_id: call.call_id.clone(),
        direction: CallDirection::In,
        from: call.from.clone(),
        to: call.to.clone(),
        queue: None,
        users: call.target.iter().cloned().collect(),
        answering: None,
        recording_url: None,
        at: Utc::now(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsipstack::sip::SipMessage;

    fn request(headers: &str) -> Request {
        let raw = format!(
            "INVITE sip:dispatch@10.0.0.5:5070 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n\
             To: <sip:4951234567@10.0.0.5>\r\n\
             Call-ID: abc-123@pbx\r\n\
             CSeq: 1 INVITE\r\n\
             Max-Forwards: 70\r\n\
             {headers}\
             Content-Length: 0\r\n\r\n"
        );
        match SipMessage::try_from(raw.as_bytes()).expect("a request") {
            SipMessage::Request(request) => request,
            SipMessage::Response(_) => panic!("not a request"),
        }
    }

    #[test]
    fn the_caller_is_asserted_identity_then_remote_party_id_then_from() {
        let from = "From: \"Офис\" <sip:100@pbx>;tag=a\r\n";
        let rpid = "Remote-Party-ID: <sip:+79001000003@pbx>;party=calling\r\n";
        let pai = "P-Asserted-Identity: \"Фёдорова\" <sip:+79001000002@pbx;user=phone>\r\n";
        let all = read_invite(&request(&format!("{from}{rpid}{pai}"))).unwrap();
        assert_eq!(all.from, "+79001000002");
        assert_eq!(all.to, "4951234567");
        assert_eq!(all.target.as_deref(), Some("dispatch"));
        assert_eq!(all.call_id.as_str(), "abc-123@pbx");
        assert_eq!(read_invite(&request(&format!("{from}{rpid}"))).unwrap().from, "+79001000003");
        assert_eq!(read_invite(&request(from)).unwrap().from, "100");
        let tel = "P-Asserted-Identity: <tel:+79001000004>\r\n";
        assert_eq!(read_invite(&request(&format!("{from}{tel}"))).unwrap().from, "+79001000004");
        // An identity that is not a name-addr falls through to the next.
        let broken = "P-Asserted-Identity: <<>>\r\n";
        assert_eq!(read_invite(&request(&format!("{from}{broken}"))).unwrap().from, "100");
    }

    #[test]
    fn a_cancel_says_whether_another_phone_took_the_call() {
        let cancel = |reason: &str| request(&format!("From: <sip:1@pbx>;tag=a\r\n{reason}"));
        assert!(answered_elsewhere(&cancel("Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n")));
        assert!(answered_elsewhere(&cancel("Reason: sip ; cause = 200\r\n")));
        assert!(!answered_elsewhere(&cancel("Reason: SIP;cause=487;text=\"ORIGINATOR_CANCEL\"\r\n")));
        assert!(!answered_elsewhere(&cancel("Reason: SIPX;cause=200\r\n")));
        assert!(!answered_elsewhere(&cancel("Reason: Q.850;cause=200\r\n")));
        assert!(!answered_elsewhere(&cancel("")));
    }

    #[test]
    fn the_config_needs_an_address_and_a_peer() {
        assert!(matches!(SipConfig::new("localhost", &["127.0.0.1".into()]), Err(SipError::Listen(_))));
        assert!(matches!(SipConfig::new("127.0.0.1:5070", &[]), Err(SipError::NoPeers)));
        assert!(matches!(SipConfig::new("127.0.0.1:5070", &["pbx".into()]), Err(SipError::Peer(_))));
        let config = SipConfig::new("0.0.0.0:5070", &["10.0.0.1".into(), "::1".into()]).unwrap();
        assert_eq!(config.allowed_peers.len(), 2);
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 2_000, ..Default::default() })]

        /// Whatever bytes arrive, parsing and reading never panic.
        #[test]
        fn any_datagram_is_read_or_refused(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            if let Ok(SipMessage::Request(request)) = SipMessage::try_from(bytes.as_slice()) {
                let _ = read_invite(&request);
                let _ = answered_elsewhere(&request);
            }
        }

        /// An INVITE with arbitrary header values is read or refused whole.
        #[test]
        fn any_header_values_are_read_or_refused(
            from in "[ -~]{0,80}",
            pai in "[ -~]{0,80}",
            call_id in "[ -~]{0,80}",
        ) {
            let raw = format!(
                "INVITE sip:1@h SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK-x\r\nTo: <sip:2@h>\r\n\
                 From: {from}\r\nP-Asserted-Identity: {pai}\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\n\
                 Content-Length: 0\r\n\r\n"
            );
            if let Ok(SipMessage::Request(request)) = SipMessage::try_from(raw.as_bytes())
                && let Ok(invite) = read_invite(&request)
            {
                proptest::prop_assert!(!invite.from.is_empty());
                proptest::prop_assert!(!invite.call_id.as_str().is_empty());
            }
        }

        /// A real INVITE with bytes overwritten, cut short or repeated
        /// (what a broken network or a hostile peer makes of one).
        #[test]
        fn a_damaged_invite_is_read_or_refused(
            edits in proptest::collection::vec((0usize..400, proptest::num::u8::ANY), 0..12),
            cut in 0usize..420,
            repeat in 1usize..4,
        ) {
            let pai = "P-Asserted-Identity: \"Фёдорова\" <sip:+79001000002@pbx;user=phone>\r\n";
            let mut raw = request(pai).to_string().into_bytes().repeat(repeat);
            for (at, byte) in edits {
                if let Some(b) = raw.get_mut(at) {
                    *b = byte;
                }
            }
            raw.truncate(cut.max(1) * repeat);
            if let Ok(SipMessage::Request(request)) = SipMessage::try_from(raw.as_slice()) {
                let _ = read_invite(&request);
                let _ = answered_elsewhere(&request);
            }
        }
    }
}
