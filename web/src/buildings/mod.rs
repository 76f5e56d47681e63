//! Buildings: the list, creating and editing one, its page.

pub mod api;
pub mod dto;
pub mod pages;
