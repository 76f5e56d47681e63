//! Who may follow which topic: the policy applied to subscriptions.

use domovoy_domain::event::Topic;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::{Principal, Target};
use domovoy_store::{Db, StoreError, StoreResult, mailings, surveys, tickets};

/// Whether `principal` may follow `topic`. Decided by the one policy
/// function; topics of one person (their queue, their notices) belong to
/// that person alone.
pub async fn may_follow(principal: &Principal, topic: Topic, db: &Db) -> StoreResult<bool> {
    Ok(match topic {
        Topic::Ticket(id) => match tickets::get(db, id).await {
            Ok(ticket) => principal.can(Permission::TicketsRead, &ticket.target()),
            Err(StoreError::NotFound) => false,
            Err(other) => return Err(other),
        },
        Topic::Building(id) => principal.can(Permission::BuildingsRead, &Target::building(id)),
        Topic::Queue(user) | Topic::User(user) => user == principal.user_id,
        Topic::Calls => principal.can_somewhere(Permission::CallsReceive),
        // A survey's results: who may manage it in every building it asks
        // (as its results page requires).
        Topic::Survey(_) if principal.can(Permission::SurveysManage, &Target::SYSTEM) => true,
        Topic::Survey(id) => match surveys::get(db, id).await {
            Ok(survey) => {
                let buildings = mailings::audience_buildings(db, &survey.audience).await?;
                !buildings.is_empty()
                    && buildings.iter().all(|b| principal.can(Permission::SurveysManage, &Target::building(*b)))
            }
            Err(StoreError::NotFound) => false,
            Err(other) => return Err(other),
        },
    })
}
