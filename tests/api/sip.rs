//! The SIP listener with a real peer: SIPp (Debian's `sip-tester`) plays the
//! PBX that forks incoming calls to Domovoy, with the scenario in
//! `tests/sip/`. A call rings (100, 180) and pops up on the dispatcher's
//! WebSocket with the matched client; a CANCEL gets 200 and the INVITE 487,
//! and the call becomes a missed call with a callback task; a CANCEL that
//! says another phone took the call records it answered. Over UDP and TCP.
//! By hand over UDP: a retransmitted INVITE is one transaction and one
//! call; a BYE ends a ringing call (200, 487); the ring timeout gives up
//! (480). Garbage and a bounded INVITE flood neither crash nor block the
//! listener; a peer that is not allowed gets nothing and is counted.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokio::net::UdpSocket;

use domovoy::settings::SipSettings;

use crate::helpers::{TestApp, WsClient, client};

const WAIT: Duration = Duration::from_secs(10);
/// The tower resident the demo knows by this number.
const RESIDENT: &str = "89001000002";

fn sipp_binary() -> Option<&'static str> {
    ["/usr/bin/sipp", "/usr/local/bin/sipp"].into_iter().find(|p| Path::new(p).exists())
}

/// A call nobody ends rings this long in the tests (SIPp's longest ring
/// is 1.5 s).
const RING_TIMEOUT_SECS: u64 = 4;

fn with_sip(settings: &mut domovoy::settings::Settings) {
    settings.telephony.sip = Some(SipSettings {
        listen: "127.0.0.1:0".to_owned(),
        allowed_peers: vec!["127.0.0.1".to_owned()],
        ring_timeout_secs: RING_TIMEOUT_SECS,
    });
}

/// One SIPp run of the ring-then-cancel scenario; `Err` with SIPp's output
/// when a call failed (a response missing, late or unexpected).
struct Run<'a> {
    transport: &'a str,
    caller: &'a str,
    reason: &'a str,
    ring_ms: u64,
    calls: u32,
    rate: u32,
}

async fn sipp(listener: SocketAddr, run: &Run<'_>) -> Result<(), String> {
    // SIPp's local port is chosen here (its default 5060 may be taken by a
    // parallel test); another test may take it before SIPp binds it, so a
    // run that could not bind is tried again on another port.
    for _ in 0..5 {
        match sipp_once(listener, run, free_port()).await {
            Err(output) if output.contains("Unable to bind") => continue,
            done => return done,
        }
    }
    Err("sipp found no free local port in 5 tries".to_owned())
}

/// A port free for both UDP and TCP at this moment.
fn free_port() -> u16 {
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

async fn sipp_once(listener: SocketAddr, run: &Run<'_>, port: u16) -> Result<(), String> {
    let binary = sipp_binary().expect("sipp is installed");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sip/ring_cancel.xml");
    // The caller of every call, in SIPp's injection file.
    let callers = std::env::temp_dir().join(format!("domovoy-sipp-{}.csv", uuid::Uuid::now_v7().simple()));
    std::fs::write(&callers, format!("SEQUENTIAL\n{};\n", run.caller)).unwrap();
    let args: Vec<String> = vec![
        listener.to_string(),
        "-sf".into(),
        scenario.display().to_string(),
        "-t".into(),
        run.transport.into(),
        "-i".into(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string(),
        "-m".into(),
        run.calls.to_string(),
        "-r".into(),
        run.rate.to_string(),
        "-d".into(),
        run.ring_ms.to_string(),
        "-inf".into(),
        callers.display().to_string(),
        "-key".into(),
        "reason".into(),
        run.reason.into(),
        // Every response within 5 s, the whole run within 60 s.
        "-recv_timeout".into(),
        "5000".into(),
        "-timeout".into(),
        "60s".into(),
        "-timeout_error".into(),
        "-nostdin".into(),
        "-nd".into(),
    ];
    let output = tokio::task::spawn_blocking(move || std::process::Command::new(binary).args(&args).output())
        .await
        .unwrap()
        .expect("sipp starts");
    let _ = std::fs::remove_file(&callers);
    if output.status.success() {
        Ok(())
    } else {
        let tail = |bytes: &[u8]| {
            let text = String::from_utf8_lossy(bytes);
            text.chars().rev().take(3000).collect::<String>().chars().rev().collect::<String>()
        };
        Err(format!("sipp: {}\n{}\n{}", output.status, tail(&output.stdout), tail(&output.stderr)))
    }
}

/// Sends one datagram from `from` and waits `wait` for an answer.
async fn exchange(from: &str, to: SocketAddr, message: &[u8], wait: Duration) -> Option<String> {
    let socket = UdpSocket::bind(from).await.unwrap();
    socket.send_to(message, to).await.unwrap();
    let mut buf = vec![0; 8192];
    let (len, _) = tokio::time::timeout(wait, socket.recv_from(&mut buf)).await.ok()?.unwrap();
    Some(String::from_utf8_lossy(&buf[..len]).into_owned())
}

/// The responses on `socket` up to the first with status `until`.
async fn responses(socket: &UdpSocket, until: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut buf = vec![0; 8192];
    loop {
        let received = tokio::time::timeout(WAIT, socket.recv_from(&mut buf)).await;
        let (len, _) = received.unwrap_or_else(|_| panic!("no {until} after {seen:?}")).unwrap();
        let response = String::from_utf8_lossy(&buf[..len]).into_owned();
        let done = response.starts_with(&format!("SIP/2.0 {until}"));
        seen.push(response);
        if done {
            return seen;
        }
    }
}

fn options(to: SocketAddr, from: &str) -> String {
    format!(
        "OPTIONS sip:domovoy@{to} SIP/2.0\r\nVia: SIP/2.0/UDP {from};branch=z9hG4bK-opt-{nonce}\r\n\
         From: <sip:pbx@{from}>;tag=opt\r\nTo: <sip:domovoy@{to}>\r\nCall-ID: options-{nonce}@pbx\r\n\
         CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
        nonce = uuid::Uuid::now_v7().simple()
    )
}

async fn calls_from(app: &TestApp, admin: &str, from: &str) -> Vec<Value> {
    let page: Value = app.get(admin, "/api/v1/calls?limit=500").await.json().await.unwrap();
    page["items"].as_array().unwrap().iter().filter(|c| c["from"] == from).cloned().collect()
}

async fn sip_listener_works_with_a_real_pbx(app: TestApp) {
    let listener = app.sip.expect("the SIP listener is on");
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let mut desk = WsClient::connect(&app, &dispatcher).await;
    desk.follow("calls", None).await;

    // Over UDP: the resident's call rings the dispatcher with their card
    // while the phones ring, then the caller hangs up.
    let hung_up = Run { transport: "u1", caller: RESIDENT, reason: "Q.850;cause=16", ring_ms: 1500, calls: 1, rate: 1 };
    let pbx = tokio::spawn(async move { sipp(listener, &hung_up).await });
    let ringing = desk.expect_event("call.ringing", WAIT).await;
    assert_eq!(ringing["data"]["from"], RESIDENT);
    assert_eq!(ringing["data"]["to"], "4951234567");
    assert_eq!(ringing["data"]["clients"][0]["name"], "Фёдорова Алёна Михайловна", "{ringing}");
    let ended = desk.expect_event("call.ended", WAIT).await;
    assert_eq!(ended["data"]["id"], ringing["data"]["id"]);
    assert_eq!(ended["data"]["result"], "missed", "{ended}");
    assert_eq!(ended["data"]["callback_open"], true, "a missed call is a callback task");
    pbx.await.unwrap().unwrap();

    // Over TCP: a dispatcher's phone took the call (the PBX cancels the
    // fork with "completed elsewhere"): answered, no callback.
    let taken = Run {
        transport: "t1",
        caller: RESIDENT,
        reason: "SIP;cause=200;text=\"Call completed elsewhere\"",
        ring_ms: 300,
        calls: 1,
        rate: 1,
    };
    sipp(listener, &taken).await.unwrap();
    let rang = desk.expect_event("call.ringing", WAIT).await;
    let answered = desk.expect_event("call.ended", WAIT).await;
    assert_eq!(answered["data"]["id"], rang["data"]["id"]);
    assert_eq!(answered["data"]["result"], "answered", "{answered}");
    assert_eq!(answered["data"]["callback_open"], false);

    // Garbage, a headless INVITE and an oversized datagram: no answer
    // worth having, and the listener still answers OPTIONS.
    for junk in [
        b"\x00\x01garbage\r\n\r\n".to_vec(),
        b"INVITE sip:x@y SIP/2.0\r\nContent-Length: 0\r\n\r\n".to_vec(),
        vec![b'A'; 20_000],
    ] {
        let _ = exchange("127.0.0.1:0", listener, &junk, Duration::from_millis(200)).await;
    }
    let alive = exchange("127.0.0.1:0", listener, options(listener, "127.0.0.1:1").as_bytes(), WAIT).await;
    assert!(alive.as_deref().is_some_and(|a| a.starts_with("SIP/2.0 200")), "{alive:?}");

    // A retransmitted INVITE (the same branch) is the same transaction:
    // answered again, one call; a CANCEL of it then ends it.
    let pbx = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let local = pbx.local_addr().unwrap();
    let nonce = uuid::Uuid::now_v7().simple();
    let call_id = format!("retransmitted-{nonce}@pbx");
    let headers = format!(
        "Via: SIP/2.0/UDP {local};branch=z9hG4bK-{nonce}\r\nFrom: <sip:100@{local}>;tag=pbx\r\n\
         To: <sip:4951234567@{listener}>\r\nCall-ID: {call_id}\r\nMax-Forwards: 70\r\n"
    );
    let invite = format!(
        "INVITE sip:dispatch@{listener} SIP/2.0\r\n{headers}CSeq: 1 INVITE\r\n\
         P-Asserted-Identity: <sip:+79001000003@pbx>\r\nContent-Length: 0\r\n\r\n"
    );
    pbx.send_to(invite.as_bytes(), listener).await.unwrap();
    assert!(responses(&pbx, "180").await.iter().any(|r| r.starts_with("SIP/2.0 100")));
    pbx.send_to(invite.as_bytes(), listener).await.unwrap();
    responses(&pbx, "180").await;
    let ours = |calls: Vec<Value>| calls.into_iter().filter(|c| c["call_id"] == call_id.as_str()).count();
    assert_eq!(ours(calls_from(&app, &admin, "+79001000003").await), 1, "one call for a retransmitted INVITE");
    let cancel =
        format!("CANCEL sip:dispatch@{listener} SIP/2.0\r\n{headers}CSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n");
    pbx.send_to(cancel.as_bytes(), listener).await.unwrap();
    let answers = responses(&pbx, "487").await;
    assert!(answers.iter().any(|r| r.starts_with("SIP/2.0 200") && r.contains("CANCEL")), "{answers:?}");

    // A BYE ends a ringing call (200 for it, 487 for the INVITE); a call
    // nobody ends is given up after the ring timeout (480). Both missed.
    let bye_id = format!("bye-{nonce}@pbx");
    let ringing_call = |call_id: &str, branch: &str| {
        format!(
            "Via: SIP/2.0/UDP {local};branch=z9hG4bK-{branch}\r\nFrom: <sip:100@{local}>;tag=pbx\r\n\
             To: <sip:4951234567@{listener}>\r\nCall-ID: {call_id}\r\nMax-Forwards: 70\r\n"
        )
    };
    let invite = |headers: &str| {
        format!(
            "INVITE sip:dispatch@{listener} SIP/2.0\r\n{headers}CSeq: 1 INVITE\r\n\
             P-Asserted-Identity: <sip:+79001000004@pbx>\r\nContent-Length: 0\r\n\r\n"
        )
    };
    pbx.send_to(invite(&ringing_call(&bye_id, &format!("b1-{nonce}"))).as_bytes(), listener).await.unwrap();
    responses(&pbx, "180").await;
    let bye = format!(
        "BYE sip:dispatch@{listener} SIP/2.0\r\n{}CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
        ringing_call(&bye_id, &format!("b2-{nonce}"))
    );
    pbx.send_to(bye.as_bytes(), listener).await.unwrap();
    let answers = responses(&pbx, "487").await;
    assert!(answers.iter().any(|r| r.starts_with("SIP/2.0 200") && r.contains("BYE")), "{answers:?}");
    let timeout_id = format!("timeout-{nonce}@pbx");
    let rung = tokio::time::Instant::now();
    pbx.send_to(invite(&ringing_call(&timeout_id, &format!("t1-{nonce}"))).as_bytes(), listener).await.unwrap();
    responses(&pbx, "180").await;
    responses(&pbx, "480").await;
    assert!(rung.elapsed() >= Duration::from_secs(RING_TIMEOUT_SECS), "given up only after the timeout");
    // The answer goes out first; the end is stored right after it.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let ended: Vec<Value> = calls_from(&app, &admin, "+79001000004").await;
        let missed = [&bye_id, &timeout_id]
            .iter()
            .filter(|id| ended.iter().any(|c| c["call_id"] == id.as_str() && c["result"] == "missed"))
            .count();
        if missed == 2 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the BYE and the timeout end missed calls: {ended:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A peer that is not allowed gets nothing and is counted.
    let stranger =
        exchange("127.0.0.2:0", listener, options(listener, "127.0.0.2:1").as_bytes(), Duration::from_secs(1)).await;
    assert_eq!(stranger, None, "a stranger is not answered");
    let metrics = client().get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"domovoy_telephony_refused_total{door="sip",reason="peer"}"#), "{metrics}");

    // A bounded flood: 200 calls at 100 a second, each ringing and then
    // cancelled; every one is answered right and stored as missed.
    let flood_caller = "89001000099";
    let flood =
        Run { transport: "u1", caller: flood_caller, reason: "Q.850;cause=16", ring_ms: 0, calls: 200, rate: 100 };
    sipp(listener, &flood).await.unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let calls = calls_from(&app, &admin, flood_caller).await;
        let missed = calls.iter().filter(|c| c["result"] == "missed").count();
        if missed == 200 {
            assert_eq!(calls.len(), 200, "one call per INVITE");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{missed} of 200 flooded calls ended missed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[actix_web::test]
async fn sip_listener_works_with_a_real_pbx_on_sqlite() {
    if sipp_binary().is_none() {
        eprintln!("skipped: sipp is not installed (`apt-get install sip-tester`; .ci/run installs it)");
        return;
    }
    sip_listener_works_with_a_real_pbx(TestApp::spawn_configured(with_sip).await).await;
}

#[actix_web::test]
async fn sip_listener_works_with_a_real_pbx_on_postgres() {
    if sipp_binary().is_none() {
        eprintln!("skipped: sipp is not installed (`apt-get install sip-tester`; .ci/run installs it)");
        return;
    }
    let Some(app) = TestApp::spawn_postgres_configured(with_sip).await else { return };
    sip_listener_works_with_a_real_pbx(app).await;
}

#[actix_web::test]
async fn a_taken_sip_port_stops_the_start_with_a_clear_error() {
    domovoy::install_crypto_provider();
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let db = domovoy_store::testing::TestDb::sqlite().await;
    let mut settings = crate::helpers::settings_for(&db);
    settings.telephony.sip = Some(SipSettings {
        listen: format!("127.0.0.1:{port}"),
        allowed_peers: vec!["127.0.0.1".to_owned()],
        ring_timeout_secs: 300,
    });
    let error = domovoy::Application::build(&settings).await.unwrap_err();
    assert!(error.to_string().contains("cannot listen for SIP"), "{error}");
}
