//! Surveys: the builder, publishing, the residents' answers and the live
//! results.

pub mod api;
pub mod pages;
