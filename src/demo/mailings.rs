//! The mailings' demo: two notices the client-service office sent to the
//! tower's residents (in the cabinet; the demo sends no e-mail at start),
//! each with its delivery records, and a draft waiting to be sent.

use domovoy_domain::ids::{BuildingId, UserId};
use domovoy_domain::mailing::{Audience, MailingChannel, MailingKind, MailingStatus, NewMailing};
use domovoy_store::mailings::{self, NewDelivery};
use domovoy_store::{Db, StoreError, stored_now};

struct DemoMailing {
    title: &'static str,
    body: &'static str,
    kind: MailingKind,
    sent: bool,
}

const MAILINGS: [DemoMailing; 3] = [
    DemoMailing {
        title: "Промывка системы отопления",
        body: "Уважаемые жители!\nВ четверг с 10:00 до 16:00 проводится промывка системы отопления. Возможен шум в трубах; радиаторы закрывать не нужно.",
        kind: MailingKind::Works,
        sent: true,
    },
    DemoMailing {
        title: "Новогоднее украшение двора",
        body: "Во дворе установлена ёлка. Приглашаем детей и взрослых на праздник 27 декабря в 17:00.",
        kind: MailingKind::News,
        sent: true,
    },
    DemoMailing {
        title: "Поверка счётчиков воды",
        body: "{{ name }}, напоминаем: срок поверки счётчиков воды в помещении {{ unit }} подходит к концу. Запишитесь у диспетчера.",
        kind: MailingKind::Billing,
        sent: false,
    },
];

/// Writes the demo's mailings to the tower, sent by `author`.
pub async fn seed_mailings(db: &Db, tower: BuildingId, author: UserId) -> anyhow::Result<()> {
    let audience = Audience { building_ids: vec![tower], ..Audience::default() };
    let today = stored_now().date_naive();
    let recipients = mailings::recipients(db, &audience, today).await?;
    for demo in MAILINGS {
        let new = NewMailing::new(demo.title, demo.body, demo.kind, vec![MailingChannel::InApp], audience.clone())
            .map_err(|(field, e)| anyhow::anyhow!("demo mailing {field}: {e}"))?;
        let rows: Vec<NewDelivery> = recipients
            .iter()
            .map(|to| NewDelivery::in_app(to.client_id, demo.title.to_owned(), demo.body.to_owned()))
            .collect();
        db.write(move |tx| {
            Box::pin(async move {
                let mailing = mailings::insert(tx, &new, Some(author)).await?;
                if demo.sent {
                    mailings::mark_sent(tx, mailing.id, MailingStatus::Draft, author).await?;
                    mailings::insert_deliveries(tx, mailing.id, &rows).await?;
                }
                Ok::<_, StoreError>(())
            })
        })
        .await?;
    }
    Ok(())
}
