//! The reports' web door: `/api/v1/reports/<name>` (JSON, CSV, XLSX) and
//! its drill-down, the `/reports` pages with server-drawn SVG charts.

pub mod api;
pub mod chart;
pub mod pages;
pub mod subscriptions;
pub mod view;
