//! The audit log: reading, filtering and exporting it.

pub mod api;
pub mod dto;
pub mod pages;
