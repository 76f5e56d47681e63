//! Work in progress: filled by the next commits.
