//! Protocol logic with no web framework: discovery today; flows, grants and tokens as they land.

pub mod discovery;
