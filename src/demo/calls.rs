//! The demo's telephony: a PBX integration whose webhook URL the banner
//! prints, extension 101 routed to the dispatcher, and a few calls of the
//! last day (one missed call still waiting for its callback).

use chrono::{Duration, Utc};

use domovoy_app::calls::{self, CallSignal, SignalKind};
use domovoy_app::{App, Channel, Requester};
use domovoy_domain::call::{CallDirection, HangupCause, PbxCallId};

/// Creates the demo PBX integration and its calls; returns the webhook's
/// token.
pub async fn seed_calls(app: &App) -> anyhow::Result<String> {
    let admin = Requester::system("demo", Channel::Cli);
    let (_, token) = calls::create_integration(app, &admin, "Демо-АТС (Asterisk)")
        .await
        .map_err(|e| anyhow::anyhow!("demo PBX: {e}"))?;
    calls::set_route(app, &admin, "extension", "101", "dispatcher")
        .await
        .map_err(|e| anyhow::anyhow!("demo call route: {e}"))?;
    let now = Utc::now();
    // (call id, from, minutes ago it rang, answered after seconds, talked seconds)
    let history: [(&str, &str, i64, Option<i64>, i64); 4] = [
        ("demo-history-1", "+79001000001", 26 * 60, Some(12), 140),
        ("demo-history-2", "+79001000003", 5 * 60, Some(40), 95),
        ("demo-history-3", "+79001000002", 18, None, 35),
        ("demo-history-4", "+74957771122", 7, None, 20),
    ];
    let system = Requester::system("demo", Channel::Telephony);
    for (id, from, ago, answered, talked) in history {
        let start = now - Duration::minutes(ago);
        let piece = |kind, at, who: Option<&str>| -> anyhow::Result<CallSignal> {
            Ok(CallSignal {
                kind,
                call_id: PbxCallId::parse(id).map_err(|e| anyhow::anyhow!("{e}"))?,
                direction: CallDirection::In,
                from: from.to_owned(),
                to: "+74951234567".to_owned(),
                queue: None,
                users: vec!["101".to_owned()],
                answering: who.map(str::to_owned),
                recording_url: None,
                at,
            })
        };
        let fail = |e: domovoy_app::AppError| anyhow::Error::new(e).context("demo call");
        calls::signal(app, &system, "demo", piece(SignalKind::Ringing, start, None)?).await.map_err(fail)?;
        let end = match answered {
            Some(after) => {
                let at = start + Duration::seconds(after);
                calls::signal(app, &system, "demo", piece(SignalKind::Answered, at, Some("101"))?)
                    .await
                    .map_err(fail)?;
                at + Duration::seconds(talked)
            }
            None => start + Duration::seconds(talked),
        };
        let cause = if answered.is_some() { HangupCause::NormalClearing } else { HangupCause::Cancel };
        calls::signal(app, &system, "demo", piece(SignalKind::Ended(Some(cause)), end, None)?).await.map_err(fail)?;
    }
    Ok(token)
}
