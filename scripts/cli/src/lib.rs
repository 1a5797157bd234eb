//! The `usd1` command line: global options ([`config`]) and the embedded demo ([`demo`]). The
//! binary is a thin clap front over this library and `usd1-client`.
pub mod config;
pub mod demo;
