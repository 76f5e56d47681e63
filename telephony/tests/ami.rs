//! The AMI client against a scripted TCP peer that replays a recorded
//! Asterisk event sequence: an inbound call from a known client rings, the
//! connection drops in the middle of the call, the client logs in again
//! and the rest of the call (answer, hang-up) still lands on the same call.
//! A peer that sends garbage or a line without end is dropped, never
//! followed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use domovoy_actors::Metrics;
use domovoy_app::{App, AppConfig, Channel, Requester};
use domovoy_domain::call::{CallResult, CallState};
use domovoy_domain::client::ClientInput;
use domovoy_store::calls::{self, CallQuery};
use domovoy_store::roles;
use domovoy_store::testing::TestDb;
use domovoy_telephony::ami::{AmiClient, AmiConfig};

const BANNER: &[u8] = b"Asterisk Call Manager/7.0.3\r\n";

/// The first half of a recorded inbound call (Asterisk 18, chan_pjsip).
const RINGING: &str = "Event: Newchannel\r\nPrivilege: call,all\r\nChannel: PJSIP/trunk-00000001\r\nChannelState: 0\r\n\
CallerIDNum: 89001000002\r\nCallerIDName: \r\nContext: from-trunk\r\nExten: 4951234567\r\nPriority: 1\r\n\
Uniqueid: 1733300000.11\r\nLinkedid: 1733300000.11\r\n\r\n\
Event: VarSet\r\nChannel: PJSIP/trunk-00000001\r\nVariable: RTPAUDIOQOS\r\nValue: ssrc=1\r\nUniqueid: 1733300000.11\r\nLinkedid: 1733300000.11\r\n\r\n\
Event: DialBegin\r\nChannel: PJSIP/trunk-00000001\r\nUniqueid: 1733300000.11\r\nLinkedid: 1733300000.11\r\n\
DestChannel: PJSIP/101-00000002\r\nDestCallerIDNum: 101\r\nDestUniqueid: 1733300000.12\r\nDestLinkedid: 1733300000.11\r\n\r\n";

/// The second half, after the reconnection.
const ANSWERED_AND_ENDED: &str = "Event: BridgeEnter\r\nChannel: PJSIP/101-00000002\r\nCallerIDNum: 101\r\n\
Uniqueid: 1733300000.12\r\nLinkedid: 1733300000.11\r\n\r\n\
Event: BridgeEnter\r\nChannel: PJSIP/trunk-00000001\r\nCallerIDNum: 89001000002\r\n\
Uniqueid: 1733300000.11\r\nLinkedid: 1733300000.11\r\n\r\n\
Event: Hangup\r\nChannel: PJSIP/101-00000002\r\nCause: 16\r\nUniqueid: 1733300000.12\r\nLinkedid: 1733300000.11\r\n\r\n\
Event: Hangup\r\nChannel: PJSIP/trunk-00000001\r\nCause: 16\r\nUniqueid: 1733300000.11\r\nLinkedid: 1733300000.11\r\n\r\n";

/// Reads the client's Login action (up to its blank line) and answers it.
async fn accept_login(socket: &mut TcpStream) -> String {
    socket.write_all(BANNER).await.unwrap();
    let mut received = Vec::new();
    let mut buf = [0u8; 512];
    while !received.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0, "the client closed before logging in");
        received.extend_from_slice(&buf[..n]);
    }
    socket
        .write_all(b"Response: Success\r\nActionID: domovoy-login\r\nMessage: Authentication accepted\r\n\r\n")
        .await
        .unwrap();
    String::from_utf8(received).unwrap()
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 5 s");
}

#[tokio::test]
async fn a_call_survives_a_dropped_connection_and_garbage_is_dropped() {
    let test = TestDb::sqlite().await;
    let db = test.db.clone();
    db.write(|tx| Box::pin(async move { roles::ensure_templates(tx).await })).await.unwrap();
    let app = App::new(db.clone(), None, Metrics::new(), AppConfig::default());
    let system = Requester::system("test", Channel::Job);
    let input = ClientInput {
        name: Some("Фёдорова Алёна Михайловна".to_owned()),
        phones: vec!["+7 900 100-00-02".to_owned()],
        ..ClientInput::default()
    };
    let client = domovoy_app::clients::create(&app, &system, &input, Vec::new()).await.unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let mut config = AmiConfig::new(&address, "domovoy", "s3cret");
    config.reconnect_min = Duration::from_millis(50);
    config.reconnect_max = Duration::from_millis(200);
    let ami = AmiClient::start(app.clone(), config);

    // First connection: login, the ringing, then the line drops.
    let (mut first, _) = listener.accept().await.unwrap();
    let login = accept_login(&mut first).await;
    assert!(login.contains("Action: Login") && login.contains("Username: domovoy") && login.contains("Secret: s3cret"));
    first.write_all(RINGING.as_bytes()).await.unwrap();
    let ringing = |db: domovoy_store::Db| async move {
        calls::list(&db, &CallQuery { limit: 10, ..CallQuery::default() }).await.unwrap().0
    };
    wait_for("the ringing call", async || ringing(db.clone()).await.iter().any(|c| c.state() == CallState::Ringing))
        .await;
    let call = ringing(db.clone()).await.remove(0);
    assert_eq!(call.pbx_call_id, "1733300000.11");
    assert_eq!(call.clients.first().map(|(id, _)| *id), Some(client.id));
    drop(first);

    // A peer that is not AMI, then one that never ends its line: dropped.
    let (mut impostor, _) = listener.accept().await.unwrap();
    impostor.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").await.unwrap();
    let (mut flood, _) = listener.accept().await.unwrap();
    let _ = accept_login(&mut flood).await;
    let endless = vec![b'x'; 64 * 1024];
    let _ = flood.write_all(&endless).await;
    let mut rest = [0u8; 16];
    let closed = tokio::time::timeout(Duration::from_secs(5), flood.read(&mut rest)).await.unwrap();
    assert!(matches!(closed, Ok(0) | Err(_)), "the client hung up on the flood");

    // The next connection carries the rest of the call.
    let (mut second, _) = listener.accept().await.unwrap();
    accept_login(&mut second).await;
    second.write_all(ANSWERED_AND_ENDED.as_bytes()).await.unwrap();
    wait_for("the end of the call", async || calls::get(&db, call.id).await.unwrap().state() == CallState::Ended).await;
    let ended = calls::get(&db, call.id).await.unwrap();
    assert_eq!(ended.result(), Some(CallResult::Answered));
    assert_eq!(ended.operator_extension.as_deref(), Some("101"));
    let all = calls::list(&db, &CallQuery { limit: 10, ..CallQuery::default() }).await.unwrap().0;
    assert_eq!(all.len(), 1, "one call, whatever the connections");

    // Click-to-call: the dispatcher's extension rings, then the number.
    let dispatcher = dispatcher(&db).await;
    let refused = domovoy_app::calls::originate(&app, &dispatcher, "8 900 100-00-02").await.unwrap_err();
    assert_eq!(refused.code(), "dialer_unavailable", "no dialer yet");
    app.set_dialer(ami.dialer());
    let refused = domovoy_app::calls::originate(&app, &dispatcher, "8 900 100-00-02").await.unwrap_err();
    assert_eq!(refused.code(), "no_extension");
    domovoy_app::calls::set_route(&app, &system, "extension", "101", "disp").await.unwrap();
    let dialled = domovoy_app::calls::originate(&app, &dispatcher, "8 900 100-00-02").await.unwrap();
    assert_eq!(dialled, "89001000002");
    let mut action = Vec::new();
    let mut buf = [0u8; 512];
    while !action.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), second.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0);
        action.extend_from_slice(&buf[..n]);
    }
    let action = String::from_utf8(action).unwrap();
    for line in
        ["Action: Originate", "Channel: PJSIP/101", "Context: from-internal", "Exten: 89001000002", "Async: true"]
    {
        assert!(action.contains(line), "{line} in {action}");
    }
    ami.stop().await;
}

/// A signed-in dispatcher (login `disp`).
async fn dispatcher(db: &domovoy_store::Db) -> Requester {
    use domovoy_domain::account::{AccountKind, DisplayName, Locale, Login};
    use domovoy_domain::password::{NewPassword, hash_password};
    use domovoy_domain::policy::{GrantScope, Principal};
    use domovoy_domain::role::RoleTemplate;
    use domovoy_store::users::NewUser;
    use domovoy_store::{StoreError, assignments, users};
    let new = NewUser {
        login: Login::staff("disp").unwrap(),
        display_name: DisplayName::parse("Смирнова Ольга").unwrap(),
        kind: AccountKind::Staff,
        email: None,
        phone: None,
        locale: Locale::Ru,
        password_hash: hash_password(&NewPassword::demo("demo-password")),
    };
    let user = db
        .write(move |tx| {
            Box::pin(async move {
                let user = users::insert(tx, &new).await?;
                let role =
                    roles::find_by_template(&mut *tx, RoleTemplate::Dispatcher).await?.ok_or(StoreError::NotFound)?;
                assignments::grant(tx, user.id, role, GrantScope::AllBuildings).await?;
                Ok::<_, StoreError>(user)
            })
        })
        .await
        .unwrap()
        .value;
    let grants = assignments::grants(db, user.id).await.unwrap();
    let principal = Principal::new(user.id, user.kind, grants);
    Requester::person(user, principal, None, Channel::Api, domovoy_app::Origin::default())
}
