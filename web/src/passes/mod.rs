//! Passes and the guard desk: the API, the desk page and the resident's
//! passes in the cabinet.

pub mod api;
pub mod dto;
pub mod office;
pub mod pages;
