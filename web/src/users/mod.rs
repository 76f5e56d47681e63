//! User administration: accounts, their roles and where they apply.

pub mod api;
pub mod assignments;
pub mod dto;
pub mod pages;
