//! Ticket reference data: the classifier, SLA policies, the production
//! calendar, teams, assignment rules and saved filters.

pub mod api;
pub mod pages;
