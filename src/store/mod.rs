//! Persistence (placeholder).
