//! Field kinds: each answer a form asks for is parsed into a domain type (placeholder).
