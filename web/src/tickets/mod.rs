//! Tickets: intake (API, quick form, the resident's form), the board and
//! its exports, the ticket page and its actions, attachments.

pub mod api;
pub mod pages;
