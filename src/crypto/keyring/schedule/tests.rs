use chrono::TimeZone;

use super::*;

fn t(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::days(day)
}

fn key(kid: &str, alg: SigningAlg, state: KeyState, activates_at: DateTime<Utc>) -> KeyInfo {
    KeyInfo {
        kid: kid.into(),
        alg,
        state,
        activates_at,
        removes_at: None,
    }
}

fn settings() -> KeySettings {
    KeySettings {
        algorithms: vec![SigningAlg::Es256],
        rotation_interval: std::time::Duration::from_secs(30 * 86_400),
        prepublish: std::time::Duration::from_secs(2 * 86_400),
        retention: std::time::Duration::from_secs(86_400),
        ..KeySettings::default()
    }
}

#[test]
fn an_empty_ring_gets_an_active_key_per_algorithm() {
    let s = KeySettings::default();
    let actions = plan(&[], &s, t(0));
    assert_eq!(
        actions,
        vec![
            Action::Create {
                alg: SigningAlg::Es256,
                state: KeyState::Active,
                activates_at: t(0)
            },
            Action::Create {
                alg: SigningAlg::Rs256,
                state: KeyState::Active,
                activates_at: t(0)
            },
        ]
    );
}

#[test]
fn nothing_happens_before_the_prepublication_window() {
    let keys = [key("a", SigningAlg::Es256, KeyState::Active, t(0))];
    assert!(plan(&keys, &settings(), t(27)).is_empty());
}

#[test]
fn the_successor_is_published_prepublish_before_it_signs() {
    let keys = [key("a", SigningAlg::Es256, KeyState::Active, t(0))];
    assert_eq!(
        plan(&keys, &settings(), t(28)),
        vec![Action::Create {
            alg: SigningAlg::Es256,
            state: KeyState::Next,
            activates_at: t(30)
        }]
    );
}

#[test]
fn a_late_successor_still_gets_the_full_prepublication_window() {
    // The server was down through the window: the new key must not sign before caches saw it.
    let keys = [key("a", SigningAlg::Es256, KeyState::Active, t(0))];
    assert_eq!(
        plan(&keys, &settings(), t(40)),
        vec![Action::Create {
            alg: SigningAlg::Es256,
            state: KeyState::Next,
            activates_at: t(42)
        }]
    );
}

#[test]
fn the_successor_is_promoted_when_due_and_not_before() {
    let keys = [
        key("a", SigningAlg::Es256, KeyState::Active, t(0)),
        key("b", SigningAlg::Es256, KeyState::Next, t(30)),
    ];
    assert!(plan(&keys, &settings(), t(29)).is_empty());
    assert_eq!(
        plan(&keys, &settings(), t(30)),
        vec![Action::Promote {
            alg: SigningAlg::Es256,
            next: "b".into(),
            active: Some("a".into())
        }]
    );
}

#[test]
fn retired_keys_leave_only_after_retention() {
    let mut old = key("a", SigningAlg::Es256, KeyState::Retired, t(0));
    old.removes_at = Some(t(31));
    let keys = [old, key("b", SigningAlg::Es256, KeyState::Active, t(30))];
    assert!(plan(&keys, &settings(), t(30)).is_empty());
    assert_eq!(
        plan(&keys, &settings(), t(31)),
        vec![Action::Remove { kid: "a".into() }]
    );
}

#[test]
fn keys_of_an_algorithm_missing_from_the_settings_are_left_alone() {
    // Another instance may be configured with PS256 (a rolling deploy): never undo its keys.
    let keys = [
        key("a", SigningAlg::Es256, KeyState::Active, t(0)),
        key("p", SigningAlg::Ps256, KeyState::Active, t(0)),
    ];
    assert!(plan(&keys, &settings(), t(1)).is_empty());
}

#[test]
fn extreme_times_saturate_instead_of_overflowing() {
    let keys = [key(
        "a",
        SigningAlg::Es256,
        KeyState::Active,
        DateTime::<Utc>::MAX_UTC,
    )];
    let mut s = settings();
    s.rotation_interval = std::time::Duration::from_secs(u64::MAX / 4);
    assert!(plan(&keys, &s, t(0)).is_empty());
    let keys = [key(
        "a",
        SigningAlg::Es256,
        KeyState::Active,
        DateTime::<Utc>::MIN_UTC,
    )];
    assert_eq!(plan(&keys, &settings(), DateTime::<Utc>::MAX_UTC).len(), 1);
}
