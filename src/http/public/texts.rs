//! The hosted pages' texts in English and Czech (DESIGN.md "Hosted pages"), chosen from the
//! request's `ui_locales` (OIDC Core §3.1.2.1), else `Accept-Language`, else English.

/// Every text of the login, consent and signed-out pages.
#[derive(Debug)]
pub struct Texts {
    pub lang: &'static str,
    pub sign_in_title: &'static str,
    pub continue_to: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in: &'static str,
    pub wrong_credentials: &'static str,
    pub allow_title: &'static str,
    pub asks_to: &'static str,
    pub allow: &'static str,
    pub deny: &'static str,
    pub signed_out_title: &'static str,
    pub signed_out_body: &'static str,
    scopes: [&'static str; 5],
}

pub const EN: Texts = Texts {
    lang: "en",
    sign_in_title: "Sign in",
    continue_to: "to continue to",
    email: "Email",
    password: "Password",
    sign_in: "Sign in",
    wrong_credentials: "The email or password is wrong.",
    allow_title: "Allow access?",
    asks_to: "asks to:",
    allow: "Allow",
    deny: "Deny",
    signed_out_title: "You are signed out",
    signed_out_body: "You can close this window.",
    scopes: [
        "Know who you are",
        "See your name",
        "See your email address",
        "Stay connected when you are away",
        "Other access",
    ],
};

pub const CS: Texts = Texts {
    lang: "cs",
    sign_in_title: "Přihlášení",
    continue_to: "a pokračujte do aplikace",
    email: "E-mail",
    password: "Heslo",
    sign_in: "Přihlásit se",
    wrong_credentials: "E-mail nebo heslo není správné.",
    allow_title: "Povolit přístup?",
    asks_to: "žádá o:",
    allow: "Povolit",
    deny: "Zamítnout",
    signed_out_title: "Jste odhlášeni",
    signed_out_body: "Toto okno můžete zavřít.",
    scopes: [
        "Zjistit, kdo jste",
        "Vidět vaše jméno",
        "Vidět vaši e-mailovou adresu",
        "Zůstat připojena, i když zde nejste",
        "Jiný přístup",
    ],
};

impl Texts {
    /// What a scope lets the app do, in words.
    pub fn scope(&self, scope: &str) -> &'static str {
        let index = match scope {
            "openid" => 0,
            "profile" => 1,
            "email" => 2,
            "offline_access" => 3,
            _ => 4,
        };
        self.scopes[index]
    }
}

/// The first supported language among `ui_locales`, then `Accept-Language` (by order; quality
/// values are not weighed), else English.
pub fn pick(ui_locales: Option<&str>, accept_language: Option<&str>) -> &'static Texts {
    let from_ui = ui_locales.into_iter().flat_map(|s| s.split(' '));
    let from_header = accept_language
        .into_iter()
        .flat_map(|s| s.split(','))
        .map(|tag| tag.split(';').next().unwrap_or_default().trim());
    for tag in from_ui.chain(from_header) {
        match tag
            .split('-')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "cs" => return &CS,
            "en" => return &EN,
            _ => {}
        }
    }
    &EN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ui_locales_first_then_the_header_then_english() {
        assert_eq!(pick(Some("cs-CZ en"), Some("en")).lang, "cs");
        assert_eq!(pick(Some("de"), Some("de, cs;q=0.8")).lang, "cs");
        assert_eq!(pick(None, Some("fr")).lang, "en");
        assert_eq!(pick(None, None).lang, "en");
        assert_eq!(CS.scope("email"), "Vidět vaši e-mailovou adresu");
    }
}
