//! The rotation schedule as a pure function: given the ring and the time, what must change.
//!
//! DESIGN.md "Keys": a successor is published `prepublish` before it signs; a retired key stays
//! published for `retention`; one active key per configured algorithm.

use chrono::{DateTime, Duration, Utc};

use super::{KeyState, SigningAlg};
use crate::config::KeySettings;

/// What the schedule needs to know of a stored key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub kid: String,
    pub alg: SigningAlg,
    pub state: KeyState,
    pub activates_at: DateTime<Utc>,
    pub removes_at: Option<DateTime<Utc>>,
}

/// One change to the ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Generate a key in `state` that signs from `activates_at`.
    Create {
        alg: SigningAlg,
        state: KeyState,
        activates_at: DateTime<Utc>,
    },
    /// The next key starts signing; the active one (if any) retires.
    Promote {
        alg: SigningAlg,
        next: String,
        active: Option<String>,
    },
    /// Stop signing with a key of an algorithm no longer configured.
    Retire { kid: String },
    /// A retired key whose tokens have all expired leaves the JWKS.
    Remove { kid: String },
}

fn span(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

/// The actions that bring the ring up to date at `now`.
pub fn plan(keys: &[KeyInfo], settings: &KeySettings, now: DateTime<Utc>) -> Vec<Action> {
    let mut actions = Vec::new();
    for &alg in &settings.algorithms {
        let find = |state| keys.iter().find(|k| k.alg == alg && k.state == state);
        match (find(KeyState::Active), find(KeyState::Next)) {
            (None, Some(next)) => actions.push(Action::Promote {
                alg,
                next: next.kid.clone(),
                active: None,
            }),
            (None, None) => actions.push(Action::Create {
                alg,
                state: KeyState::Active,
                activates_at: now,
            }),
            (Some(active), Some(next)) if next.activates_at <= now => {
                actions.push(Action::Promote {
                    alg,
                    next: next.kid.clone(),
                    active: Some(active.kid.clone()),
                })
            }
            (Some(active), None) => {
                let due = active.activates_at + span(settings.rotation_interval);
                if now >= due - span(settings.prepublish) {
                    actions.push(Action::Create {
                        alg,
                        state: KeyState::Next,
                        activates_at: due.max(now + span(settings.prepublish)),
                    });
                }
            }
            (Some(_), Some(_)) => {}
        }
    }
    for key in keys {
        match key.state {
            KeyState::Retired if key.removes_at.is_some_and(|t| t <= now) => {
                actions.push(Action::Remove {
                    kid: key.kid.clone(),
                })
            }
            KeyState::Active | KeyState::Next if !settings.algorithms.contains(&key.alg) => actions
                .push(Action::Retire {
                    kid: key.kid.clone(),
                }),
            _ => {}
        }
    }
    actions
}

#[cfg(test)]
mod tests;
