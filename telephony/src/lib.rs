//! Domovoy's telephony door: what PBXes say about calls, read into the
//! application layer's [`CallSignal`](domovoy_app::calls::CallSignal)s.
//!
//! - [`cti`]: Zammad's generic CTI webhook events (`newCall`, `answer`,
//!   `hangup`), form-encoded or JSON, so the Asterisk / FreePBX / 3CX
//!   bridges written for Zammad work unchanged.
//! - [`sip`]: a SIP listener the PBX forks incoming calls to; it rings
//!   (100, 180), reads the caller and ends the call on CANCEL, BYE or its
//!   timeout, never answering with media.
//! - [`ami`]: an Asterisk Manager Interface client that logs in, turns
//!   `Newchannel` / `DialBegin` / `BridgeEnter` / `Hangup` into the same
//!   signals, and reconnects with backoff.
//!
//! Everything a PBX sends is hostile until read: bodies are bounded by the
//! door that receives them, every field is checked, and a malformed event
//! is refused whole (nothing is stored). This crate depends on `app`, never
//! on `web`; the HTTP route that receives the webhook is a thin adapter in
//! `domovoy-web`.

pub mod ami;
pub mod cti;
pub mod sip;
