//! Layouts (sections, floors, units), the chessboard, unit cards, condo
//! `Property.map` import and export.

pub mod api;
pub mod pages;
