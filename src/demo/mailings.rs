//! The mailings' demo: notices the client-service office sent to the
//! tower's residents (in the cabinet, and one also by SMS, as sent in the
//! past: the demo sends no text or letter at start), each with its
//! delivery records, and a draft waiting to be sent.

use domovoy_domain::client::Channel;
use domovoy_domain::ids::{BuildingId, UserId};
use domovoy_domain::mailing::{Audience, DeliveryStatus, MailingChannel, MailingKind, MailingStatus, NewMailing};
use domovoy_store::mailings::{self, NewDelivery};
use domovoy_store::outbox::{self, PastMessage};
use domovoy_store::sms::{SMS_CHANNEL, Sms};
use domovoy_store::{Db, StoreError, stored_now};

#[derive(Debug, Clone, Copy)]
struct DemoMailing {
    title: &'static str,
    body: &'static str,
    kind: MailingKind,
    sent: bool,
    /// Also by SMS (to those with a phone and consent).
    by_sms: bool,
}

/// One in this many texts of the demo failed (a barred number).
const FAILED_EVERY: usize = 40;

const MAILINGS: [DemoMailing; 4] = [
    DemoMailing {
        title: "Плановое отключение электроэнергии",
        body: "Уважаемые жители! 12 декабря с 09:00 до 13:00 — плановое отключение электроэнергии в подъездах 1–3 (замена вводного автомата). Лифты работать не будут.",
        kind: MailingKind::Works,
        sent: true,
        by_sms: true,
    },
    DemoMailing {
        title: "Промывка системы отопления",
        body: "Уважаемые жители!\nВ четверг **с 10:00 до 16:00** проводится промывка системы отопления.\n- возможен шум в трубах;\n- радиаторы закрывать не нужно.",
        kind: MailingKind::Works,
        sent: true,
        by_sms: false,
    },
    DemoMailing {
        title: "Новогоднее украшение двора",
        body: "Во дворе установлена ёлка. Приглашаем детей и взрослых на праздник 27 декабря в 17:00.",
        kind: MailingKind::News,
        sent: true,
        by_sms: false,
    },
    DemoMailing {
        title: "Поверка счётчиков воды",
        body: "{{ name }}, напоминаем: срок поверки счётчиков воды в помещении {{ unit }} подходит к концу. Запишитесь у диспетчера.",
        kind: MailingKind::Billing,
        sent: false,
        by_sms: false,
    },
];

/// Writes the demo's mailings to the tower, sent by `author`.
pub async fn seed_mailings(db: &Db, tower: BuildingId, author: UserId) -> anyhow::Result<()> {
    let audience = Audience { building_ids: vec![tower], ..Audience::default() };
    let today = stored_now().date_naive();
    let recipients = mailings::recipients(db, &audience, today).await?;
    for demo in MAILINGS {
        let channels =
            if demo.by_sms { vec![MailingChannel::Sms, MailingChannel::InApp] } else { vec![MailingChannel::InApp] };
        let new = NewMailing::new(demo.title, demo.body, demo.kind, channels, audience.clone())
            .map_err(|(field, e)| anyhow::anyhow!("demo mailing {field}: {e}"))?;
        let recipients = recipients.clone();
        db.write(move |tx| {
            Box::pin(async move {
                let mailing = mailings::insert(tx, &new, Some(author)).await?;
                if !demo.sent {
                    return Ok::<_, StoreError>(());
                }
                mailings::mark_sent(tx, mailing.id, MailingStatus::Draft, author).await?;
                let mut rows = Vec::new();
                let mut texts = Vec::new();
                for to in &recipients {
                    rows.push(NewDelivery::in_app(to.client_id, demo.title.to_owned(), demo.body.to_owned()));
                    // Those no text reaches have the cabinet's notice alone
                    // (as a mailing sent now records them).
                    let phone = to.phone.clone().filter(|_| to.consents.contains(&Channel::Sms));
                    if let Some(phone) = phone.filter(|_| demo.by_sms) {
                        let key = format!("mailing:{}:{}", mailing.id, to.client_id);
                        let failed = texts.len() % FAILED_EVERY == FAILED_EVERY - 1;
                        let payload = serde_json::to_value(Sms { to: phone.clone(), text: demo.body.to_owned() })
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        texts.push(PastMessage {
                            dedup_key: key.clone(),
                            payload,
                            at: tx.now(),
                            error: failed.then(|| "SMS.ru: 207 На этот номер нельзя отправлять сообщения".to_owned()),
                        });
                        rows.push(NewDelivery {
                            client_id: to.client_id,
                            channel: Some(MailingChannel::Sms),
                            address: Some(phone),
                            status: DeliveryStatus::Queued,
                            reason: None,
                            outbox_key: Some(key),
                            unsubscribe_token: None,
                            subject: demo.title.to_owned(),
                            text: demo.body.to_owned(),
                        });
                    }
                }
                mailings::insert_deliveries(tx, mailing.id, &rows).await?;
                outbox::record_past(tx, SMS_CHANNEL, &texts).await?;
                Ok(())
            })
        })
        .await?;
    }
    Ok(())
}
