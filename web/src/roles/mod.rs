//! Roles composed from the permission catalog.

pub mod api;
pub mod dto;
pub mod pages;
