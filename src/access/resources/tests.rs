use super::*;

#[test]
fn the_issuer_written_another_way_is_still_the_issuer() {
    let issuer = "https://id.example.com";
    for same in [
        "https://id.example.com",
        "https://id.example.com/",
        "HTTPS://ID.Example.COM",
        "https://id.example.com:443",
        "https://id.example.com/?",
        "https://id.example.com/?x=1",
    ] {
        assert!(names_the_issuer(same, issuer), "{same}");
    }
    for other in [
        "https://id.example.com/api",
        "https://id.example.com:8443",
        "http://id.example.com",
        "https://api.example.com",
        "urn:example:reports",
    ] {
        assert!(!names_the_issuer(other, issuer), "{other}");
    }
    assert!(names_the_issuer(
        "http://127.0.0.1:8080/tenant/",
        "http://127.0.0.1:8080/tenant"
    ));
}

fn right(parameters: &[&str]) -> RightRow {
    RightRow {
        id: "r1".into(),
        resource_id: "res".into(),
        name: "reports:read".into(),
        description: String::new(),
        parameters: parameters.iter().map(|p| (*p).to_owned()).collect(),
    }
}

fn constraints(pairs: &[(&str, &[&str])]) -> Constraints {
    pairs
        .iter()
        .map(|(p, vs)| {
            (
                (*p).to_owned(),
                vs.iter().map(|v| (*v).to_owned()).collect(),
            )
        })
        .collect()
}

#[test]
fn constraints_must_use_declared_parameters() {
    let r = right(&["region", "station_id"]);
    let ok = constraints(&[("region", &["eu"]), ("station_id", &["7", "9"])]);
    assert_eq!(check_constraints(&r, ok.clone()).unwrap(), ok);
    assert!(check_constraints(&r, Constraints::new())
        .unwrap()
        .is_empty());
    let err = check_constraints(&r, constraints(&[("country", &["cz"])])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the right `reports:read` cannot be constrained by `country`; its parameters are: region, station_id"
    );
    let err = check_constraints(&right(&[]), constraints(&[("region", &["eu"])])).unwrap_err();
    assert!(
        err.to_string().ends_with("its parameters are: none"),
        "{err}"
    );
}

#[test]
fn constraint_values_are_non_empty_and_bounded() {
    let r = right(&["region"]);
    assert!(matches!(
        check_constraints(&r, constraints(&[("region", &[])])),
        Err(AccessError::EmptyConstraint(p)) if p == "region"
    ));
    assert!(matches!(
        check_constraints(&r, constraints(&[("region", &[""])])),
        Err(AccessError::InvalidConstraintValue(_))
    ));
    let long = "v".repeat(201);
    assert!(matches!(
        check_constraints(&r, constraints(&[("region", &[long.as_str()])])),
        Err(AccessError::InvalidConstraintValue(_))
    ));
    let max = "v".repeat(200);
    assert!(check_constraints(&r, constraints(&[("region", &[max.as_str()])])).is_ok());
}
