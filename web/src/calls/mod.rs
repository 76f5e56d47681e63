//! Telephony's web door: the PBX webhook (`/api/v1/cti/<token>`), the call
//! log and a call's card for the pop-up (`/api/v1/calls`), the PBX
//! integrations (`/api/v1/integrations/pbx`), and the call log page.

pub mod api;
pub mod dto;
pub mod pages;
