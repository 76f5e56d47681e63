//! The caller's own account: signing in and out (page and API), the
//! profile, password, sessions and API tokens.

pub mod api;
pub mod dto;
pub mod pages;
pub mod sign_in;
pub mod sign_in_api;
