//! Mailings' web door: `/api/v1/mailings`, the residents' `/api/v1/notices`,
//! the `/mailings` pages and the public unsubscribe page.

pub mod api;
pub mod pages;
