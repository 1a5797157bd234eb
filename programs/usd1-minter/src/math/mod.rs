//! Pure functions of the program's rules, unit and property tested.
pub mod rate_limit;
