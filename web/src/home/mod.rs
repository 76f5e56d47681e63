//! The start page after signing in.

pub mod pages;
